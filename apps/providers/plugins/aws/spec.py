from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.providers.plugins.base import Brand, Capability, CredentialField, ProviderSpec

SPEC = ProviderSpec(
    key="aws",
    label="Amazon Web Services",
    icon="providers/aws.svg",
    plugin="apps.providers.plugins.aws.plugin.AwsPlugin",
    credential_fields=(
        CredentialField("access_key_id", _("Access key ID"),
                        help_text=_("The access key of an IAM user with read-only access (ReadOnlyAccess or "
                                    "ViewOnlyAccess plus Cost Explorer read).")),
        CredentialField("secret_access_key", _("Secret access key"), secret=True, widget="password"),
        CredentialField("regions", _("Regions"), required=False,
                        help_text=_("Comma separated, for example eu-central-1, us-east-1. "
                                    "Leave empty to read every region enabled for the account.")),
        CredentialField("role_arn", _("Role ARN"), required=False,
                        help_text=_("Optional: a role to assume through STS, e.g. in a client's account.")),
        CredentialField("external_id", _("External ID"), required=False,
                        help_text=_("Optional: the external ID the role's trust policy requires.")),
    ),
    capabilities=frozenset({Capability.RESOURCES, Capability.COSTS, Capability.ACCOUNT_INFO}),
    default_endpoint="",  # boto3 resolves each service's own regional endpoint
    docs_url="https://docs.aws.amazon.com/cost-management/latest/userguide/ce-api.html",
    service_categories={
        "Databases": ("rds", "dynamodb", "elasticache", "redshift"),
        "Storage": ("ebs", "efs", "glacier"),
        "Networking": ("cloudfront", "route 53", "elb", "eip"),
        "Compute": ("ec2", "eks", "lambda", "lightsail", "fargate"),
    },
    brand=Brand(badge="AWS", color="#EA580C", color_light="#FDBA74"),
    aliases=("AWS",),  # the ProviderName of AWS's own FOCUS exports
)
