"""Which packages the wheel holds; everything else about the build is in pyproject.toml.

The product's layout keeps ``prompts/`` and ``content_templates/`` at the repository's top, where
an editor finds them; the wheel carries them inside the package (``newsdesk/prompts``,
``newsdesk/content_templates``), where ``newsdesk.config`` looks first. pyproject.toml alone cannot
add packages mapped from elsewhere to the ones it finds, and a hand-kept list would miss the next
new package, so they are added here to what is found.

Two modules are C: ``newsdesk.text._scan`` (the character passes of feed text cleaning and the
entry hash) and ``newsdesk.text._route`` (jieba's best route through a block's words). They need a
C compiler and the Python headers; where a build fails the install goes on (``optional``) and the
same rules run in Python, slower.
"""

from setuptools import Extension, find_namespace_packages, setup

SHIPPED = {"newsdesk.prompts": "prompts", "newsdesk.content_templates": "content_templates"}

setup(
    packages=find_namespace_packages(
        include=["newsdesk*", "tasks*", "flows*"], exclude=["*__pycache__"]
    )
    + list(SHIPPED),
    package_dir=SHIPPED,
    ext_modules=[
        Extension(f"newsdesk.text.{name}", [f"newsdesk/text/{name}.c"], optional=True)
        for name in ("_scan", "_route")
    ],
)
