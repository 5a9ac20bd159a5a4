from django.contrib.staticfiles import finders
from django.templatetags.static import static


def test_favicon_ico_leads_browsers_to_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == static("favicon.svg")
    assert finders.find("favicon.svg") is not None


def test_every_page_links_the_icon(client):
    page = client.get("/accounts/login/").content.decode()
    assert f'<link rel="icon" href="{static("favicon.svg")}"' in page
