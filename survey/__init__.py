"""The satisfaction-survey web application: citizen survey, officer reports, research exports."""

import os

# piccolo looks up its configuration module by name; ours lives inside the package so an installed
# distribution works from any directory.
os.environ.setdefault("PICCOLO_CONF", "survey.piccolo_conf")
