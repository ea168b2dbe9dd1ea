"""Platform core: settings, storage, security, audit, i18n and the web shell. Imports no business area."""
