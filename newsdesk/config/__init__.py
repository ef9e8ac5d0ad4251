"""Desk configuration: ``config/desk.yaml`` overridden by ``NEWSDESK_*`` environment variables.

The YAML file describes the desk (sources, slots, channels, thresholds, LLM);
the environment carries what differs per machine (database URL, secrets,
``NEWSDESK_FETCH__ALLOW_PRIVATE_NETWORKS`` ...). Environment values win over
the file; nested fields use ``__`` as the delimiter.

Every problem is raised as :class:`ConfigError` naming the file, the field and
what is wrong, so the CLI can print one line instead of a traceback.

One module per job: the sections of the desk file (``sources``, ``content``, ``checks``,
``operations``), the whole desk (``settings``), reading it (``load``), where its packaged files
are (``paths``); this module names what callers import.
"""

from newsdesk.config.checks import DEFAULT_BANNED, DEFAULT_TRADE_PATTERNS, ChecksConfig, Thresholds
from newsdesk.config.content import (
    BreakingConfig,
    DraftingConfig,
    LLMConfig,
    Persona,
    SlotConfig,
    TopicSettings,
)
from newsdesk.config.fields import Kind
from newsdesk.config.load import config_path_from_env, load_settings, read_yaml
from newsdesk.config.operations import (
    DEMO_SECRET,
    ChannelConfig,
    DemoConfig,
    JobsConfig,
    OrchestrationConfig,
    PublishConfig,
    ReviewConfig,
    WebConfig,
)
from newsdesk.config.paths import DEFAULT_CONFIG, PACKAGE_DIR, shipped_dir
from newsdesk.config.settings import Settings
from newsdesk.config.sources import FetchSettings, SourceConfig
from newsdesk.text.limits import TextLimits

__all__ = [
    "DEFAULT_BANNED",
    "DEFAULT_CONFIG",
    "DEFAULT_TRADE_PATTERNS",
    "DEMO_SECRET",
    "PACKAGE_DIR",
    "BreakingConfig",
    "ChannelConfig",
    "ChecksConfig",
    "DemoConfig",
    "DraftingConfig",
    "FetchSettings",
    "JobsConfig",
    "Kind",
    "LLMConfig",
    "OrchestrationConfig",
    "Persona",
    "PublishConfig",
    "ReviewConfig",
    "Settings",
    "SlotConfig",
    "SourceConfig",
    "TextLimits",
    "Thresholds",
    "TopicSettings",
    "WebConfig",
    "config_path_from_env",
    "load_settings",
    "read_yaml",
    "shipped_dir",
]
