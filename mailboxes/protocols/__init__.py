"""The protocol edge. Importing it installs the scrubbing of log records (log_scrubbing), so secrets of
a connection stay out of every log whatever the logging settings are."""

from mailboxes.protocols.log_scrubbing import install

install()
