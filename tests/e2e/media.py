"""Files for the upload tests (API.md §5): real JPEG, PNG and PDF files made with Pillow
(Debian's python3-pil), damaged variants, an executable, and the EICAR test string."""
import io
import struct
import zlib

from PIL import Image

EICAR = (b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*")


def image(fmt, size=(64, 48), color=(200, 30, 30)):
    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()


def png(size=(64, 48)):
    return image("PNG", size)


def jpeg(size=(64, 48)):
    return image("JPEG", size)


def pdf():
    return image("PDF")


def png_with_chunk(data):
    """A valid PNG that carries data in an ancillary private chunk ("prIv") before IEND."""
    base = png((8, 8))
    chunk = struct.pack(">I", len(data)) + b"prIv" + data + struct.pack(
        ">I", zlib.crc32(b"prIv" + data) & 0xffffffff)
    return base[:-12] + chunk + base[-12:]


def png_of_bytes(total):
    """A valid PNG of exactly total bytes: a private chunk pads it."""
    pad = total - len(png((8, 8))) - 12
    assert pad >= 0, total
    out = png_with_chunk(b"x" * pad)
    assert len(out) == total
    return out


def elf():
    """The start of an x86-64 executable (what a renamed program looks like)."""
    return (b"\x7fELF\x02\x01\x01" + b"\x00" * 9 + struct.pack("<HHI", 2, 62, 1) +
            b"\x00" * 200)
