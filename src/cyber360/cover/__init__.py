"""Insurance: products, policies, pricing, portfolio runs, claims (engine parts: cyber360.quant)."""
