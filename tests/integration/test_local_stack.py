"""The local stack is template.yaml: what the template declares exists locally, and each
trigger reaches the real handler."""

from cfnlint.decode import decode

from local.template import TEMPLATE_PATH


def _sam_resources() -> dict:
    template, problems = decode(str(TEMPLATE_PATH))
    assert not problems
    return template["Resources"]


def _of_type(resource_type: str) -> set[str]:
    return {name for name, r in _sam_resources().items() if r["Type"] == resource_type}


def test_every_function_of_the_template_exists_locally(stack):
    # Given the functions declared in template.yaml
    declared = _of_type("AWS::Serverless::Function")
    assert declared
    # When the local stack lists its Lambda functions
    local = {f["FunctionName"] for f in stack.client("lambda").list_functions()["Functions"]}
    # Then each declared function is there under its physical name
    assert declared == set(stack.stack.functions)
    assert {stack.physical_id(name) for name in declared} <= local


def test_every_table_of_the_template_exists_locally_with_its_keys(stack):
    # Given the tables declared in template.yaml
    declared = _sam_resources()
    tables = {n for n, r in declared.items() if r["Type"] == "AWS::DynamoDB::Table"}
    assert tables
    dynamodb = stack.client("dynamodb")
    for name in tables:
        # When the local table is described
        described = dynamodb.describe_table(TableName=stack.physical_id(name))["Table"]
        # Then its key schema and indexes are the template's
        assert described["KeySchema"] == declared[name]["Properties"]["KeySchema"]
        indexes = {i["IndexName"] for i in described.get("GlobalSecondaryIndexes", [])}
        wanted = {
            i["IndexName"] for i in declared[name]["Properties"].get("GlobalSecondaryIndexes", [])
        }
        assert indexes == wanted


def test_every_state_machine_of_the_template_exists_locally(stack):
    # Given the state machines declared in template.yaml
    declared = _of_type("AWS::Serverless::StateMachine")
    assert declared
    # When the local stack lists its state machines
    local = {
        m["stateMachineArn"]
        for m in stack.client("stepfunctions").list_state_machines()["stateMachines"]
    }
    # Then each one is there, with no ${placeholder} left in its definition
    assert {stack.physical_id(name) for name in declared} == local
    for arn in local:
        definition = stack.client("stepfunctions").describe_state_machine(stateMachineArn=arn)[
            "definition"
        ]
        assert "${" not in definition


def test_every_route_of_the_template_is_served_locally(stack):
    # Given the HttpApi events declared on the template's functions
    declared = {
        (event["Properties"]["Method"].upper(), event["Properties"]["Path"], name)
        for name, resource in _sam_resources().items()
        if resource["Type"] == "AWS::Serverless::Function"
        for event in resource["Properties"].get("Events", {}).values()
        if event["Type"] == "HttpApi"
    }
    assert declared
    # When the local stack reads its routes
    local = {(r.method, r.path, r.function_logical_id) for r in stack.stack.routes}
    # Then they are the same routes to the same functions
    assert local == declared


def test_the_upload_bucket_notifies_the_upload_trigger(stack):
    # Given the bucket of the template
    bucket = stack.physical_id("FilesBucket")
    # When its notification configuration is read
    configs = stack.client("s3").get_bucket_notification_configuration(Bucket=bucket)[
        "LambdaFunctionConfigurations"
    ]
    # Then ObjectCreated under uploads/ goes to the upload trigger
    assert [c["LambdaFunctionArn"] for c in configs] == [
        stack.stack.functions["UploadTriggerFunction"].arn
    ]
    assert configs[0]["Filter"]["Key"]["FilterRules"] == [{"Name": "prefix", "Value": "uploads/"}]


def test_every_route_but_the_health_check_and_the_console_takes_the_templates_jwt_authorizer(
    stack,
):
    # Given the HttpApi of template.yaml: its Auth and its throttling
    api = _sam_resources()["HttpApi"]["Properties"]
    assert api["Auth"]["DefaultAuthorizer"] == "JwtAuthorizer"
    assert set(api["DefaultRouteSettings"]) == {"ThrottlingBurstLimit", "ThrottlingRateLimit"}
    # When the local stack lists its routes and authorizers
    open_routes = {route.key for route in stack.stack.routes if route.authorizer is None}
    guarded = {route.authorizer for route in stack.stack.routes if route.authorizer}
    [configuration] = stack.stack.authorizers.values()
    # Then only GET /health and the console's static files (GET / and its assets) are open
    # ($default too takes the authorizer), and the authorizer is the development issuer's,
    # as the template's parameters resolve locally
    assert open_routes == {"GET /health", "GET /", "GET /console/{proxy+}"}
    console = {r.key for r in stack.stack.routes if r.function_logical_id == "ConsoleFunction"}
    assert console == {"GET /", "GET /console/{proxy+}"}
    assert guarded == {"JwtAuthorizer"}
    assert stack.dev_issuer is not None
    assert configuration.issuer == stack.dev_issuer.issuer
    assert configuration.audience == (stack.dev_issuer.audience,)
    assert configuration.identity_source == "$request.header.Authorization"
