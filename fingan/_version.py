"""The one place fingan's version is written; the package metadata reads it at build time."""

VERSION = "0.1.0"
