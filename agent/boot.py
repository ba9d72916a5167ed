# Runs inside the user's kernel, in a throw-away globals dict that holds
# SOURCES (module name -> source text) and VERSION. It installs the agent as
# the package `_tinker_doctor` in sys.modules, never in the user namespace.
# Installing the same VERSION twice keeps the running agent; another VERSION
# replaces it (its watchdog is stopped first).
def _boot(sources, version):
    import importlib.abc
    import importlib.util
    import sys

    name = "_tinker_doctor"
    current = sys.modules.get(name)
    if current is not None:
        if getattr(current, "VERSION", None) == version:
            current.install()
            return
        try:
            current.uninstall()
        except Exception:
            pass

    class _Finder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
        def find_spec(self, fullname, path=None, target=None):
            if fullname == name:
                return importlib.util.spec_from_loader(
                    fullname, self, is_package=True
                )
            prefix = name + "."
            if fullname.startswith(prefix) and fullname[len(prefix):] in sources:
                return importlib.util.spec_from_loader(fullname, self)
            return None

        def create_module(self, spec):
            return None

        def exec_module(self, module):
            short = module.__name__.rpartition(".")[2]
            if module.__name__ == name:
                short = "__init__"
            filename = "<tinker-doctor:%s.py>" % short
            code = compile(sources[short], filename, "exec")
            exec(code, module.__dict__)

    finder = _Finder()
    sys.meta_path.insert(0, finder)
    try:
        package = importlib.import_module(name)
        package.VERSION = version
        for short in sources:
            if short != "__init__":
                importlib.import_module(name + "." + short)
    finally:
        sys.meta_path.remove(finder)
    package.install()


_boot(SOURCES, VERSION)  # noqa: F821 - both given by the injecting code
