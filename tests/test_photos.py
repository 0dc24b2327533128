"""Photos are kept re-encoded whichever way they come in (the check page, POST /photos, a fix):
no GPS position or camera left in them, upright, the longest edge capped, with a thumbnail.
Bombs, damaged files and other formats are refused with a clear message and store nothing; a user
sending too many photos is stopped for a while; photos sent ahead and never used are removed."""

import datetime as dt
import io
import os
import struct
import uuid
import zlib

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from PIL import ExifTags, Image

from baozhang.core import clock
from baozhang.inspections.models import FindingPhoto, Inspection, PhotoUpload
from baozhang.rectification import services
from baozhang.rectification.models import TaskEvent
from tests.test_api_inspections import BASE, client_for, room  # noqa: F401 - the fixture
from tests.test_rectification import opened, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db


def camera_jpeg(size=(3000, 1500)) -> bytes:
    """A phone's photo: its GPS position, the camera's make, taken with the phone on its side."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "ACME"
    exif[ExifTags.Base.Model] = "Phone 9"
    exif[ExifTags.Base.Orientation] = 6  # to be turned 90° clockwise to be seen upright
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (31.0, 14.0, 6.5),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (121.0, 28.0, 3.2),
    }
    buffer = io.BytesIO()
    Image.new("RGB", size, "green").save(buffer, "JPEG", exif=exif)
    return buffer.getvalue()


def blank_png(width: int, height: int) -> bytes:
    """A valid black-and-white PNG of any size, written directly (Pillow takes seconds for a
    huge one): a few kilobytes that unpack to width × height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    row = b"\0" * (1 + (width + 7) // 8)
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row) for _row in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def small_image(kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, kind)
    return buffer.getvalue()


def named(data: bytes, name: str = "photo.jpg") -> io.BytesIO:
    buffer = io.BytesIO(data)
    buffer.name = name
    return buffer


def assert_kept_clean(data: bytes, *, size: tuple[int, int]) -> None:
    """A JPEG with no metadata at all, upright and of the given size."""
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == size
    assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
    assert b"ACME" not in data and b"Phone 9" not in data


def assert_thumbnail(file) -> None:
    with file.open("rb") as opened_file:
        image = Image.open(opened_file)
        assert image.format == "JPEG" and max(image.size) == 320


def test_a_photo_sent_ahead_is_kept_and_served_without_gps(alice, bob, room):  # noqa: F811
    client, auth = client_for(alice)
    original = camera_jpeg()
    sent = client.post(f"{BASE}/photos", {"file": named(original)}, **auth)
    assert sent.status_code == 201
    with scopes_disabled():
        upload = PhotoUpload.objects.get()
    # On its side 3000 × 1500 → upright 1500 × 3000 → longest edge 2048.
    assert_kept_clean(upload.image.read(), size=(1024, 2048))
    assert_thumbnail(upload.thumbnail)
    check = {
        "client_id": str(uuid.uuid4()),
        "location_id": room.pk,
        "findings": [{"item_id": room.items["地面有垃圾"], "photo_ids": [sent.json()["id"]]}],
    }
    stored = client.post(f"{BASE}/inspections", check, content_type="application/json", **auth)
    assert stored.status_code == 201
    with scopes_disabled():
        photo = FindingPhoto.objects.get()
    assert photo.thumbnail.name == upload.thumbnail.name
    # Every role that may see it gets the clean photo, never the original.
    client.force_login(bob)
    served = client.get(reverse("inspections:finding-photo", args=["college", photo.pk]))
    data = b"".join(served.streaming_content)
    assert served.status_code == 200 and data != original
    assert_kept_clean(data, size=(1024, 2048))


def test_a_photo_taken_on_the_check_page_is_kept_clean(alice_client, room):  # noqa: F811
    url = reverse("inspections:check", kwargs={"org": "college", "location_id": room.pk})
    rubbish = room.items["地面有垃圾"]
    sent = alice_client.post(
        url, {f"item-{rubbish}": "1", f"photo-{rubbish}": named(camera_jpeg((800, 600)))}
    )
    assert sent.status_code == 302
    with scopes_disabled():
        photo = FindingPhoto.objects.get()
    assert_kept_clean(photo.image.read(), size=(600, 800))
    assert_thumbnail(photo.thumbnail)


def test_an_after_photo_of_a_fix_is_kept_clean(world):  # noqa: F811
    after = SimpleUploadedFile("after.jpg", camera_jpeg((600, 400)), content_type="image/jpeg")
    with scope(organisation=world["org"]):
        task = opened(world)
        services.task_submit(access=world["head"], task=task, note="已清扫", photo=after)
        event = TaskEvent.objects.get(task=task, kind="submitted")
    assert_kept_clean(event.photo.read(), size=(400, 600))
    assert_thumbnail(event.photo_thumbnail)


BAD_FILES = {
    "a 20000 × 20000 PNG bomb": (
        lambda: blank_png(20000, 20000),
        "“photo.jpg”超过 50 百万像素，请发送较小的照片。",
    ),
    "a 100-megapixel PNG": (
        lambda: blank_png(10000, 10000),
        "“photo.jpg”超过 50 百万像素，请发送较小的照片。",
    ),
    "a truncated JPEG": (
        lambda: camera_jpeg((600, 400))[:-2000],
        "“photo.jpg”已损坏或不完整，请重新拍摄或发送。",
    ),
    "a GIF named .jpg": (
        lambda: small_image("GIF"),
        "“photo.jpg”不是照片（只接受 JPEG、PNG 或 WebP）。",
    ),
    "no image at all": (
        lambda: b"not an image",
        "“photo.jpg”不是照片（只接受 JPEG、PNG 或 WebP）。",
    ),
}


@pytest.mark.parametrize("kind", BAD_FILES)
def test_a_bad_image_sent_ahead_is_a_clear_422_and_stores_nothing(alice, room, kind):  # noqa: F811
    make, message = BAD_FILES[kind]
    client, auth = client_for(alice)
    sent = client.post(f"{BASE}/photos", {"file": named(make())}, **auth)
    assert sent.status_code == 422
    assert sent.json() == {"detail": [{"field": "file", "message": message}]}
    with scopes_disabled():
        assert not PhotoUpload.objects.exists()
    assert not _media_files()


@pytest.mark.parametrize("kind", ["a 20000 × 20000 PNG bomb", "a truncated JPEG"])
def test_a_bad_image_on_the_check_page_is_a_form_error_not_a_500(alice_client, room, kind):  # noqa: F811
    make, message = BAD_FILES[kind]
    url = reverse("inspections:check", kwargs={"org": "college", "location_id": room.pk})
    rubbish = room.items["地面有垃圾"]
    sent = alice_client.post(url, {f"item-{rubbish}": "1", f"photo-{rubbish}": named(make())})
    assert sent.status_code == 200
    assert f"第 1 条：{message}" in sent.content.decode()
    with scopes_disabled():
        assert not Inspection.objects.exists() and not FindingPhoto.objects.exists()
    assert not _media_files()


def test_a_png_named_jpg_or_a_webp_is_accepted_and_kept_as_a_jpeg(alice, room):  # noqa: F811
    client, auth = client_for(alice)
    for kind in ("PNG", "WEBP"):
        sent = client.post(f"{BASE}/photos", {"file": named(small_image(kind))}, **auth)
        assert sent.status_code == 201
    with scopes_disabled():
        for upload in PhotoUpload.objects.all():
            assert_kept_clean(upload.image.read(), size=(40, 30))


def test_junk_after_a_small_jpeg_is_never_stored(alice, room):  # noqa: F811
    client, auth = client_for(alice)
    padded = small_image("JPEG") + os.urandom(14 * 1024 * 1024)
    sent = client.post(f"{BASE}/photos", {"file": named(padded)}, **auth)
    assert sent.status_code == 201
    with scopes_disabled():
        assert PhotoUpload.objects.get().image.size < 10_000


def test_too_many_photos_within_an_hour_are_refused_for_a_while(alice, bob, room, settings):  # noqa: F811
    settings.BAOZHANG_PHOTO_UPLOADS_PER_HOUR = 3
    client, auth = client_for(alice)
    for _photo in range(3):
        assert (
            client.post(f"{BASE}/photos", {"file": named(small_image("JPEG"))}, **auth).status_code
            == 201
        )
    refused = client.post(f"{BASE}/photos", {"file": named(small_image("JPEG"))}, **auth)
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert refused.json()["detail"].startswith("您一小时内发送的照片已超过 3 张，请 ")
    with scopes_disabled():
        assert PhotoUpload.objects.count() == 3
    # The check page counts against the same allowance.
    client.force_login(alice)
    url = reverse("inspections:check", kwargs={"org": "college", "location_id": room.pk})
    rubbish = room.items["地面有垃圾"]
    page = client.post(
        url, {f"item-{rubbish}": "1", f"photo-{rubbish}": named(small_image("JPEG"))}
    )
    assert page.status_code == 200 and "您一小时内发送的照片已超过 3 张" in page.content.decode()
    with scopes_disabled():
        assert not Inspection.objects.exists()


def test_unused_photos_sent_ahead_are_removed_after_a_day(alice, room, on_commit):  # noqa: F811
    client, auth = client_for(alice)
    ids = [
        client.post(f"{BASE}/photos", {"file": named(small_image("JPEG"))}, **auth).json()["id"]
        for _photo in range(3)
    ]
    check = {
        "client_id": str(uuid.uuid4()),
        "location_id": room.pk,
        "findings": [{"item_id": room.items["地面有垃圾"], "photo_ids": [ids[0]]}],
    }
    assert (
        client.post(
            f"{BASE}/inspections", check, content_type="application/json", **auth
        ).status_code
        == 201
    )
    with scopes_disabled():
        old, recent = PhotoUpload.objects.order_by("id")
        PhotoUpload.objects.filter(pk=old.pk).update(
            created_at=timezone.now() - dt.timedelta(hours=25)
        )
        used = FindingPhoto.objects.get()
    job = clock.JOBS["inspections.unattached-photos"]
    with on_commit(execute=True):
        outcome = clock.job_run(job, timezone.now())
    assert outcome.status == "ran" and outcome.result == "1"
    with scopes_disabled():
        assert list(PhotoUpload.objects.values_list("pk", flat=True)) == [recent.pk]
    files = _media_files()
    assert old.image.name not in files and old.thumbnail.name not in files
    assert {recent.image.name, recent.thumbnail.name, used.image.name, used.thumbnail.name} <= files


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


def _media_files() -> set[str]:
    root = django_settings.MEDIA_ROOT
    if not os.path.isdir(root):
        return set()
    return {
        os.path.relpath(os.path.join(folder, name), root)
        for folder, _folders, names in os.walk(root)
        for name in names
    }
