"""Helpers the tests share: fake APIs, processes, containers, polling, paths, tables (importable as `kit`)."""
