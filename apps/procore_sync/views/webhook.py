import json

from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from ..tasks import enqueue_run
from ..webhooks import webhook_receive


@csrf_exempt  # Procore posts here; the URL's token and the Authorization header authenticate it
@require_POST
def procore_webhook(request, token: str):
    try:
        event = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"error": "body is not JSON"}, status=400)
    if not isinstance(event, dict):
        return JsonResponse({"error": "body is not a JSON object"}, status=400)
    authorization = request.headers.get("Authorization", "")
    outcome = webhook_receive(
        token=token, authorization=authorization, event=event, enqueue=enqueue_run
    )
    if outcome is None:
        return JsonResponse({"error": "unknown webhook"}, status=401)
    return JsonResponse({"outcome": outcome})
