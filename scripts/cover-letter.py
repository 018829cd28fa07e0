#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Carry a cover letter's subject, date and blurb into a fresh one.

    cover-letter.py OLD NEW

NEW is what `git format-patch --cover-letter` just wrote: placeholders for the
subject and blurb, today's date, and an up-to-date shortlog and diffstat. If
OLD exists, its subject, Date: line and blurb replace the placeholders, so
exporting the series never loses the cover letter's text. The blurb of OLD is
everything between its headers and the shortlog, which begins with a line
"<author> (<count>):" naming an author of the series.
"""
import re
import sys


def split_headers(text):
    head, _, body = text.partition("\n\n")
    return head.split("\n"), body


def header(lines, name):
    for i, line in enumerate(lines):
        if line.startswith(name + ": "):
            value = [line[len(name) + 2:]]
            for cont in lines[i + 1:]:
                if not cont.startswith((" ", "\t")):
                    break
                value.append(cont.strip())
            return " ".join(value)
    return None


def blurb_of(body):
    lines = body.split("\n")
    for i, line in enumerate(lines):
        if re.fullmatch(r"\S.* \(\d+\):", line) and (i == 0 or lines[i - 1] == ""):
            return "\n".join(lines[:i]).rstrip("\n")
    sys.exit("cover-letter.py: no shortlog found in the old cover letter")


def main():
    old_path, new_path = sys.argv[1:3]
    try:
        old = open(old_path).read()
    except FileNotFoundError:
        return
    new = open(new_path).read()

    old_head, old_body = split_headers(old)
    subject = header(old_head, "Subject")
    subject = re.sub(r"^\[PATCH[^\]]*\]\s*", "", subject or "")
    date = header(old_head, "Date")

    new_head, new_body = split_headers(new)
    if "*** BLURB HERE ***" not in new_body:
        sys.exit("cover-letter.py: %s has no blurb placeholder" % new_path)
    out_head = []
    for line in new_head:
        if date and line.startswith("Date: "):
            line = "Date: " + date
        out_head.append(line.replace("*** SUBJECT HERE ***", subject))
    body = new_body.replace("*** BLURB HERE ***", blurb_of(old_body), 1)
    with open(new_path, "w") as f:
        f.write("\n".join(out_head) + "\n\n" + body)


if __name__ == "__main__":
    main()
