"""The polling pipeline: scheduling → poll → fetching → ingest → mail_files; importing .eml/mbox."""
