"""The application's Metrics in a long-lived process with metrics turned off."""

import pytest
from aws_lambda_powertools.metrics import MetricUnit

from project_factory.observability import metrics


def test_metrics_off_never_pile_up_across_invocations(monkeypatch: pytest.MonkeyPatch):
    # Given metrics turned off and no namespace, as in the local stack and the tests
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "true")
    monkeypatch.delenv("POWERTOOLS_METRICS_NAMESPACE", raising=False)

    @metrics.log_metrics
    def handler(event, context):
        metrics.add_metric(name="RowsCreated", unit=MetricUnit.Count, value=1)
        return "ok"

    # When one process runs more invocations than Powertools keeps values of one name (100)
    answers = [handler({}, None) for _ in range(250)]
    # Then every one answers, and nothing is left over after the last
    assert answers == ["ok"] * 250
    assert metrics.provider.metric_set == {}
