"""Qt-free helpers the live views read: snapshots, texts and small calculations over a running simulation."""
