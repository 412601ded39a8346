"""The local stack gives its bucket the template's lifecycle rules as S3's API spells them,
and refuses a rule shape it would not translate (rather than dropping part of it)."""

import boto3
import pytest
from moto import mock_aws

from local.deploy_buckets import lifecycle_rule
from local.intrinsics import Resolver
from local.template import PLACEHOLDER_PARAMETERS, translate


def _template_rules() -> list[dict]:
    template = translate(parameter_overrides=PLACEHOLDER_PARAMETERS)
    pseudo = {"AWS::StackName": "pf", "AWS::Region": "us-east-1", "AWS::AccountId": "1"}
    resolver = Resolver(pseudo, template.parameter_values, lambda name: name, lambda *_: "x")
    bucket = template.resources["FilesBucket"]["Properties"]
    return resolver.resolve(bucket["LifecycleConfiguration"]["Rules"])


def test_the_templates_rules_become_s3_rules_with_old_versions_and_delete_markers_expiring():
    # Given the files bucket's lifecycle rules, with the parameters' defaults
    # When they are translated for S3's API
    rules = {rule["ID"]: rule for rule in map(lifecycle_rule, _template_rules())}
    # Then old versions expire after NoncurrentVersionRetentionDays (30) and the delete
    # markers they leave are removed, bucket-wide
    assert rules["expire-noncurrent-versions"] == {
        "ID": "expire-noncurrent-versions",
        "Status": "Enabled",
        "Filter": {"Prefix": ""},
        "Expiration": {"ExpiredObjectDeleteMarker": True},
        "NoncurrentVersionExpiration": {"NoncurrentDays": 30},
    }
    # and scratch (and its old versions, a day later) expires after ScratchRetentionDays
    assert rules["expire-scratch"]["Expiration"] == {"Days": 7}
    assert rules["expire-scratch"]["NoncurrentVersionExpiration"] == {"NoncurrentDays": 1}
    assert rules["expire-scratch"]["Filter"] == {"Prefix": "scratch/"}
    assert rules["abort-incomplete-multipart"]["AbortIncompleteMultipartUpload"] == {
        "DaysAfterInitiation": 1
    }


def test_the_other_spellings_of_noncurrent_expiration_are_translated():
    # Given CloudFormation's older key and the count of newer versions kept
    legacy = {"Id": "a", "Status": "Enabled", "NoncurrentVersionExpirationInDays": "5"}
    newer = {
        "Id": "b",
        "Status": "Enabled",
        "NoncurrentVersionExpiration": {"NoncurrentDays": 3, "NewerNoncurrentVersions": "2"},
    }
    # Then both become S3's NoncurrentVersionExpiration
    assert lifecycle_rule(legacy)["NoncurrentVersionExpiration"] == {"NoncurrentDays": 5}
    assert lifecycle_rule(newer)["NoncurrentVersionExpiration"] == {
        "NoncurrentDays": 3,
        "NewerNoncurrentVersions": 2,
    }


def test_a_rule_key_the_local_stack_does_not_translate_is_refused():
    # Given a rule with transitions (not translated locally)
    rule = {"Id": "cold", "Status": "Enabled", "Transitions": [{"StorageClass": "GLACIER"}]}
    # Then deploying it locally fails, naming the rule and the key
    with pytest.raises(NotImplementedError, match="'cold': Transitions"):
        lifecycle_rule(rule)


def test_s3_takes_the_translated_rules_as_they_are():
    # Given the translated rules
    rules = [lifecycle_rule(rule) for rule in _template_rules()]
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="files")
        # When they are put on a bucket
        s3.put_bucket_lifecycle_configuration(
            Bucket="files", LifecycleConfiguration={"Rules": rules}
        )
        # Then S3 keeps each of them
        kept = s3.get_bucket_lifecycle_configuration(Bucket="files")["Rules"]
    assert sorted(rule["ID"] for rule in kept) == sorted(rule["ID"] for rule in rules)
