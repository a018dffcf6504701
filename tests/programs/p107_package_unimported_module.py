"""A package where one module is never imported: it is still a measured file."""
# uses: pkg_extra
from pkg_extra import used

used.used()
