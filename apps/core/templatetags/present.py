"""Filters over apps.core.present and apps.core.labels (a builtin: no {% load %} needed)."""

from django import template

from apps.core import labels, present

register = template.Library()

register.filter("money", present.money)
register.filter("day", present.day)
register.filter("moment", present.moment)
register.filter("full_stop", present.full_stop)
register.filter("label", labels.label)
