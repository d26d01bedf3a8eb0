"""Files that are not what an import reads (issue 13, items 6 and 9), built from their specifications:
a plain module for the tests of rules.filekind and of the imports that use it.

- `old_excel_bytes`: the 512-byte header of an OLE2 compound file (what Excel 97-2003 saves as
  `.xls`), as [MS-CFB] section 2.2 lays it out, and one empty sector.
- `ods_bytes`: an OpenDocument spreadsheet as ODF 1.2 part 3 section 3.3 packs it: a zip whose first
  entry is `mimetype`, stored unpacked, then the manifest and the content.
- `pdf_bytes`: the start of a PDF (ISO 32000-1 section 7.5.2: `%PDF-1.4` and a comment of binary bytes).
- `mixed_encoding`: CSV lines encoded one by one, some in UTF-8 and some in Windows-1252.
"""
import io
import struct
import zipfile

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"

OLD_EXCEL = "Filen er et gammelt Excel-regneark (XLS), som ikke kan leses."
ODS = "Filen er et OpenDocument-regneark (ODS), som ikke kan leses."
PDF = "Filen er en PDF, som ikke kan leses."
MIXED = "Filen blander tegnsettene UTF-8 og Windows-1252"


def old_excel_bytes() -> bytes:
    header = struct.pack(
        "<8s16sHHHHH6sLLLLLLLLL",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",  # signature
        b"\0" * 16,  # CLSID
        0x003E, 0x0003,  # minor and major version (3: 512-byte sectors)
        0xFFFE,  # byte order: little-endian
        9, 6,  # sector shift (512), mini sector shift (64)
        b"\0" * 6,  # reserved
        0,  # directory sectors (0 in version 3)
        1,  # FAT sectors
        1,  # first directory sector
        0,  # transaction signature
        0x1000,  # mini stream cutoff
        0xFFFFFFFE, 0,  # first mini FAT sector (none), mini FAT sectors
        0xFFFFFFFE, 0,  # first DIFAT sector (none), DIFAT sectors
    )
    difat = struct.pack("<109L", 0, *([0xFFFFFFFF] * 108))
    return header + difat + b"\0" * 512


def ods_bytes(*, mimetype: str = ODS_MIMETYPE, mimetype_first: bool = True) -> bytes:
    content = ('<?xml version="1.0" encoding="UTF-8"?><office:document-content '
               'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"><office:body>'
               '<office:spreadsheet/></office:body></office:document-content>')
    manifest = ('<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
                'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0">'
                f'<manifest:file-entry manifest:full-path="/" manifest:media-type="{mimetype}"/>'
                '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
                '</manifest:manifest>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        if mimetype_first:
            archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, compress_type=zipfile.ZIP_DEFLATED)
        archive.writestr("content.xml", content, compress_type=zipfile.ZIP_DEFLATED)
        if not mimetype_first:
            archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
            b"2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n")


def mixed_encoding(lines: list[str], cp1252_lines: set[int], *, newline: str = "\r\n") -> bytes:
    """The lines (the header is line 1) joined, each in UTF-8 except those numbered in `cp1252_lines`."""
    return b"".join((line + newline).encode("cp1252" if number in cp1252_lines else "utf-8")
                    for number, line in enumerate(lines, start=1))
