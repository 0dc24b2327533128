"""Photos as the product keeps them, whichever page or API operation they come through.

A file sent as a photo is decoded whole (a pixel limit first, so that a small file that unpacks to
an enormous image is refused before it is unpacked) and encoded anew as a JPEG: turned the way the
camera held it, its longest edge capped, with no metadata at all (no GPS position, camera or time),
plus a thumbnail. The file as sent is never stored, so nothing in it beyond its pixels is ever
served. Only the formats phones and cameras write are decoded (JPEG, PNG, WebP), whatever the file
is called: a GIF named .jpg is refused, a PNG named .jpg is accepted. A truncated file is refused
rather than stored with grey rows. That is noticed by the file running dry under the decoder
(``_Watched``), not by Pillow's own check: WeasyPrint turns that check off for the whole process
when it is imported (``ImageFile.LOAD_TRUNCATED_IMAGES``), and a process-wide switch flipped back
for each photo would race with the documents made beside it.

How many photos one user may send in an hour is counted by django-ratelimit in the shared cache
(Django's database cache, so that every web process counts against the same number).
"""

import io
import uuid
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_ratelimit.core import get_usage
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

MAX_PHOTO_BYTES = 15 * 1024 * 1024
FORMATS = ("JPEG", "PNG", "WEBP")
THUMBNAIL_EDGE = 320
JPEG_QUALITY = 85
_SRGB = ImageCms.createProfile("sRGB")


@dataclass(frozen=True)
class Photo:
    """A photo ready to store: the JPEG and its thumbnail, each with a new random name."""

    image: ContentFile
    thumbnail: ContentFile


class PhotoRateExceeded(ValidationError):
    """The user sent more photos within the hour than BAOZHANG_PHOTO_UPLOADS_PER_HOUR allows."""

    def __init__(self, *, limit: int, retry_after: int):
        minutes = max(1, -(-retry_after // 60))
        super().__init__(
            ngettext(
                "You sent more than %(limit)s photos within an hour; try again in %(minutes)s "
                "minute.",
                "You sent more than %(limit)s photos within an hour; try again in %(minutes)s "
                "minutes.",
                minutes,
            )
            % {"limit": limit, "minutes": minutes}
        )
        self.retry_after = retry_after


class _Watched(io.BytesIO):
    """The bytes of a file, noting whether the decoder asked for more than there was."""

    ran_dry = False
    watching = False

    def read(self, size: int | None = -1) -> bytes:
        data = super().read(size)
        if self.watching and not data and size != 0:
            self.ran_dry = True
        return data


def photo_encode(file: File) -> Photo:
    """The photo re-encoded as the product keeps it; a ValidationError naming the file when it is
    too large, not a photo, cut off, or of too many pixels."""
    name = file.name or _("the file")
    if file.size is not None and file.size > MAX_PHOTO_BYTES:
        raise ValidationError(_("A photo is larger than 15 MB."))
    file.seek(0)
    image = _decoded(_Watched(file.read()), name)
    image.thumbnail((settings.BAOZHANG_PHOTO_MAX_EDGE,) * 2, Image.Resampling.LANCZOS)
    stem = uuid.uuid4().hex
    full = _jpeg(image, f"{stem}.jpg")
    image.thumbnail((THUMBNAIL_EDGE, THUMBNAIL_EDGE), Image.Resampling.LANCZOS)
    return Photo(image=full, thumbnail=_jpeg(image, f"{stem}-thumbnail.jpg"))


def _decoded(file: _Watched, name: str) -> Image.Image:
    """Every pixel of the file, upright and in sRGB; Pillow's own bomb check is a second line."""
    damaged = ValidationError(
        _("“%(name)s” is damaged or incomplete; take or send the photo again.") % {"name": name}
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(file, formats=FORMATS)
            _pixels_allowed(image, name)
            if image.format == "JPEG":
                # The JPEG decoder scales down while decoding: far less memory for a large photo.
                image.draft("RGB", (settings.BAOZHANG_PHOTO_MAX_EDGE,) * 2)
            file.watching = True
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise _too_many_pixels(name) from error
    except UnidentifiedImageError as error:
        raise ValidationError(
            _("“%(name)s” is not a photo (JPEG, PNG or WebP).") % {"name": name}
        ) from error
    except (OSError, EOFError, SyntaxError, ValueError) as error:
        raise damaged from error
    if file.ran_dry:
        raise damaged
    return _srgb(ImageOps.exif_transpose(image))


def _pixels_allowed(image: Image.Image, name: str) -> None:
    width, height = image.size
    if width * height > settings.BAOZHANG_PHOTO_MAX_MEGAPIXELS * 1_000_000:
        raise _too_many_pixels(name)


def _too_many_pixels(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” has more than %(limit)s million pixels; send a smaller photo.")
        % {"name": name, "limit": settings.BAOZHANG_PHOTO_MAX_MEGAPIXELS}
    )


def _srgb(image: Image.Image) -> Image.Image:
    """RGB pixels, transparency on white; colours of another profile (a phone's Display P3)
    converted to sRGB, since the profile itself is not kept."""
    if image.mode in ("RGBA", "LA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGB", image.size, "white")
        background.paste(image, mask=image.getchannel("A"))
        image = background
    elif image.mode != "RGB":
        image = image.convert("RGB")
    profile = image.info.get("icc_profile")
    if profile:
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
            image = ImageCms.profileToProfile(image, source, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError):
            pass  # a broken profile: the pixels as they are
    return image


def _jpeg(image: Image.Image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    # Neither exif nor icc_profile is passed: Pillow writes none of the original's metadata.
    image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
    return ContentFile(buffer.getvalue(), name=name)


def photos_rate_check(request) -> None:
    """Count every file a request brings against its user's hourly allowance of photos;
    PhotoRateExceeded (a ValidationError) when they go past it."""
    limit = settings.BAOZHANG_PHOTO_UPLOADS_PER_HOUR
    count = sum(len(files) for _name, files in request.FILES.lists())
    for _photo in range(count):
        usage = get_usage(request, group="photos", key="user", rate=f"{limit}/h", increment=True)
        if usage is not None and usage["should_limit"]:
            raise PhotoRateExceeded(limit=limit, retry_after=max(usage["time_left"], 1))
