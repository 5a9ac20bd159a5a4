"""The Procore sandbox: a simulator of the part of Procore's REST API Trestle uses.

Served under /procore-sandbox/ (when PROCORE_SANDBOX_ENABLED), standing in for both hosts:
  /procore-sandbox/oauth/authorize|token|token/info|revoke   (PROCORE_LOGIN_URL)
  /procore-sandbox/rest/v1.0/..., /rest/v1.1/..., /rest/v2.0/...  (PROCORE_API_URL)
Every operation of openapi/procore-openapi-subset.json (a copy of shared/procore/) is served.

Consent: the authorize page lists the sandbox's Procore users and you pick who consents
(`procore.demo@example.com`, member of both demo companies, is preselected); Allow or Deny.

Tests:
  registry.app_register()                  # Trestle's app: settings.PROCORE_CLIENT_ID/SECRET
  registry.company_create(name=..., users=[registry.user_create()])
  oauth.token_issue(app=..., user=...)     # a token without the consent page
  faults.set_faults(seed=1, error_503=0.2, drop_after=0.05, rate_limit_spike=25)
  faults.set_faults(drop_after=1.0, paths=["/rest/v1.0/change_events"], methods=["POST"],
                    max_faults=1)         # scoped to some calls, and at most once
  faults.reset_faults(); faults.expire_access_tokens()
  change_events.status_set(company=..., change_event_id=..., status="Closed")
  webhook_sender.deliver_due()             # post the webhook deliveries due now (tests, commands)
  faults.set_faults(webhook_duplicate=1.0) # every delivery posted twice
Demo: `manage.py procore_sandbox_seed [--if-empty] [--projects N --employees N ...]` (the
      contractor's "Sandbox Builders Inc." and the customer's "Riverside Development"),
      `manage.py procore_sandbox_faults error_503=0.2` / `--reset`,
      `manage.py procore_sandbox_change_event_status --company N --change-event ID --status Closed`.
"""
