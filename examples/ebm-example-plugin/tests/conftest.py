"""Test setup of the example plugin.

* ``ebm_core.testing.pytest_plugin`` adds the kit's options (``--ebm-device``,
  ``--ebm-false-fail-rate``) and fixtures.
* The tests select the components by name, as users do. Once the distribution is installed
  (``pip install -e .``) its entry point provides them; before that, the plugin module is
  registered in-process for the session, so the tests also run from a plain checkout.
"""

import pytest

import ebm_core

pytest_plugins = ["ebm_core.testing.pytest_plugin"]


@pytest.fixture(autouse=True, scope="session")
def example_plugin_registered():
    if "rwm" in ebm_core.available("sampler"):
        yield
        return
    from ebm_example_plugin import plugin

    ebm_core.register_plugin(plugin, name="example")
    yield
    ebm_core.unregister_plugin("example")
