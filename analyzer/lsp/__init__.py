"""The editor integration: `sigcheck lsp` (a language server over stdio) and the LSP conversion it
shares with `sigcheck --format lsp`. Only `server` imports pygls; `convert` needs lsprotocol alone."""
