"""A small, realistic project for the simulated session to work in (nothing in it is run)."""

from __future__ import annotations

from pathlib import Path

FILES: dict[str, str] = {
    "package.json": """{
  "name": "webshop",
  "version": "1.4.2",
  "private": true,
  "scripts": {
    "test": "node --test test/",
    "start": "node src/server.js"
  }
}
""",
    "README.md": "# webshop\n\nA small shop front. `npm test` runs the tests; `infra/` holds "
                 "the Terraform for its bucket and CDN.\n",
    ".gitignore": "node_modules/\n.env\n.terraform/\n",
    # A stand-in for the secrets a real .env holds; the starter policy denies reading it.
    ".env": "DATABASE_URL=postgres://webshop:demo-password@localhost:5432/webshop\n"
            "PAYMENTS_API_KEY=demo-not-a-real-key\n",
    ".env.example": "DATABASE_URL=postgres://user:password@localhost:5432/webshop\n"
                    "PAYMENTS_API_KEY=\n",
    "src/server.js": "const http = require('node:http');\n"
                     "const { priceWithTax } = require('./cart');\n\n"
                     "http.createServer((req, res) => {\n"
                     "  res.end(JSON.stringify({ total: priceWithTax(100) }));\n"
                     "}).listen(process.env.PORT || 3000);\n",
    "src/cart.js": "function priceWithTax(net) {\n"
                   "  return Math.round(net * 1.2 * 100) / 100;\n}\n\n"
                   "module.exports = { priceWithTax };\n",
    "test/cart.test.js": "const test = require('node:test');\n"
                         "const assert = require('node:assert');\n"
                         "const { priceWithTax } = require('../src/cart');\n\n"
                         "test('adds tax', () =>\n"
                         "  assert.strictEqual(priceWithTax(100), 120));\n",
    "infra/main.tf": 'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n'
                     '  }\n}\n\nresource "aws_s3_bucket" "assets" {\n'
                     '  bucket = "webshop-assets-prod"\n}\n',
}


def create_project(parent: Path, name: str = "webshop") -> Path:
    root = parent / name
    for relative, text in FILES.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
