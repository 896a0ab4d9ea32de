"""A mail with one 50 MB attachment must not need more than about 4x that in memory."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.extract.mailbuilder import attachment_part, mail_with_parts, text_part

ATTACHMENT_MB = 50
REPO = Path(__file__).resolve().parents[2]

# Runs in a fresh interpreter. VmHWM (the peak resident set) starts afresh with each exec'd process,
# unlike ru_maxrss, which a child inherits from the large pytest process that spawns it.
CHILD = """
import sys
from pathlib import Path

def peak_mb():
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024

from mailboxes.extract import extract_mail
idle = peak_mb()
raw = Path(sys.argv[1]).read_bytes()
mail = extract_mail(raw)
print(idle, peak_mb(), mail.attachments[0].size, mail.attachments[0].sniffed_type)
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc to read the peak RSS")
def test_50_mb_attachment_needs_less_than_four_times_its_size(tmp_path):
    attachment = b"%PDF-1.7\n" + os.urandom(ATTACHMENT_MB * 2**20)
    mail_file = tmp_path / "big.eml"
    mail_file.write_bytes(mail_with_parts([text_part(), attachment_part(attachment)]))
    del attachment

    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(mail_file)], capture_output=True, text=True, check=True, cwd=REPO
    )
    idle, peak, size, sniffed = result.stdout.split()

    assert int(size) == ATTACHMENT_MB * 2**20 + 9
    assert sniffed == "application/pdf"
    # Everything above the bare interpreter: the raw mail (1.35x as base64) plus extraction.
    assert float(peak) - float(idle) < 4 * ATTACHMENT_MB
