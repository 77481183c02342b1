"""The AWS emulator (LocalStack, MiniStack): its health, services and init scripts.

``model`` the results, ``parse`` what each emulator's health body says, ``rules`` the
verdict from those facts, ``check`` one bounded attempt, ``many`` ``health --all`` and
``--wait``. A new emulator's dialect goes in ``parse``.
"""
