"""A template's S3 bucket configured on moto as CloudFormation would: each property
translated to its S3 API call (local/deploy.py creates the bucket). A lifecycle key not
translated here is refused, so a rule the local bucket silently lacked cannot make a test
pass."""

from typing import Any


def configure_bucket(s3: Any, name: str, p: dict[str, Any]) -> None:
    """The bucket's configuration as the template's properties `p` declare it: public
    access block, versioning, default encryption, CORS, lifecycle and notifications."""
    if block := p.get("PublicAccessBlockConfiguration"):
        s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)
    if versioning := p.get("VersioningConfiguration"):
        # Enabled keeps every version: the create flow reads the version it pinned.
        s3.put_bucket_versioning(
            Bucket=name, VersioningConfiguration={"Status": versioning["Status"]}
        )
    if encryption := p.get("BucketEncryption"):
        s3.put_bucket_encryption(
            Bucket=name,
            ServerSideEncryptionConfiguration={
                "Rules": [
                    {"ApplyServerSideEncryptionByDefault": rule["ServerSideEncryptionByDefault"]}
                    for rule in encryption["ServerSideEncryptionConfiguration"]
                ]
            },
        )
    if cors := p.get("CorsConfiguration"):
        s3.put_bucket_cors(
            Bucket=name,
            CORSConfiguration={"CORSRules": [_cors_rule(r) for r in cors["CorsRules"]]},
        )
    if lifecycle := p.get("LifecycleConfiguration"):
        s3.put_bucket_lifecycle_configuration(
            Bucket=name,
            LifecycleConfiguration={"Rules": [lifecycle_rule(r) for r in lifecycle["Rules"]]},
        )
    if notifications := p.get("NotificationConfiguration"):
        s3.put_bucket_notification_configuration(
            Bucket=name,
            NotificationConfiguration={
                "LambdaFunctionConfigurations": [
                    _lambda_notification(config)
                    for config in notifications.get("LambdaConfigurations", [])
                ]
            },
        )


#: The keys of a CloudFormation lifecycle Rule that lifecycle_rule translates.
_LIFECYCLE_KEYS = frozenset(
    {
        "Id",
        "Status",
        "Prefix",
        "ExpirationInDays",
        "ExpiredObjectDeleteMarker",
        "NoncurrentVersionExpiration",
        "NoncurrentVersionExpirationInDays",
        "AbortIncompleteMultipartUpload",
    }
)


def lifecycle_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation lifecycle Rule as S3's PutBucketLifecycleConfiguration spells it.
    A key not translated here is refused: a rule the local bucket silently lacked would
    make its tests pass for a bucket AWS configures otherwise."""
    unknown = set(rule) - _LIFECYCLE_KEYS
    if unknown:
        raise NotImplementedError(
            f"the local stack cannot translate lifecycle rule {rule.get('Id')!r}: "
            f"{', '.join(sorted(unknown))}"
        )
    converted: dict[str, Any] = {
        "ID": rule.get("Id", "rule"),
        "Status": rule["Status"],
        "Filter": {"Prefix": rule.get("Prefix", "")},
    }
    if "ExpirationInDays" in rule:
        converted["Expiration"] = {"Days": int(rule["ExpirationInDays"])}
    elif str(rule.get("ExpiredObjectDeleteMarker", "")).lower() == "true":
        # (CloudFormation takes it only without ExpirationInDays, as S3 does.)
        converted["Expiration"] = {"ExpiredObjectDeleteMarker": True}
    noncurrent = dict(rule.get("NoncurrentVersionExpiration") or {})
    if "NoncurrentVersionExpirationInDays" in rule:  # the older spelling
        noncurrent.setdefault("NoncurrentDays", rule["NoncurrentVersionExpirationInDays"])
    if noncurrent:
        converted["NoncurrentVersionExpiration"] = {
            "NoncurrentDays": int(noncurrent["NoncurrentDays"])
        } | (
            {"NewerNoncurrentVersions": int(noncurrent["NewerNoncurrentVersions"])}
            if "NewerNoncurrentVersions" in noncurrent
            else {}
        )
    if "AbortIncompleteMultipartUpload" in rule:
        days = int(rule["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"])
        converted["AbortIncompleteMultipartUpload"] = {"DaysAfterInitiation": days}
    return converted


def _cors_rule(rule: dict[str, Any]) -> dict[str, Any]:
    """A CloudFormation CorsRule as S3's API spells it."""
    names = {
        "Id": "ID",
        "AllowedHeaders": "AllowedHeaders",
        "AllowedMethods": "AllowedMethods",
        "AllowedOrigins": "AllowedOrigins",
        "ExposedHeaders": "ExposeHeaders",
        "MaxAge": "MaxAgeSeconds",
    }
    converted = {names[key]: value for key, value in rule.items()}
    if "MaxAgeSeconds" in converted:
        converted["MaxAgeSeconds"] = int(converted["MaxAgeSeconds"])
    return converted


def _lambda_notification(config: dict[str, Any]) -> dict[str, Any]:
    converted: dict[str, Any] = {
        "LambdaFunctionArn": config["Function"],
        "Events": [config["Event"]],
    }
    if rules := config.get("Filter", {}).get("S3Key", {}).get("Rules"):
        converted["Filter"] = {"Key": {"FilterRules": rules}}
    return converted
