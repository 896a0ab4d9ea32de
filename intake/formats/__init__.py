"""The portal's own date formats (FORMAT_MODULE_PATH = ["intake.formats"]): Django's defaults for a
language stay in force for everything not named here."""
