"""The review web app: server-rendered pages for editors and a JSON API for scripts."""
