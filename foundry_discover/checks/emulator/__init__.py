"""The AWS emulator (LocalStack, MiniStack, moto): its health, services and init scripts.

``model`` the results, ``parse`` what each emulator's health body says, ``rules`` the
verdict from those facts, ``check`` one bounded attempt, ``nohealth`` an emulator without
LocalStack's health path (moto), checked by the application's AWS call, ``many``
``health --all`` and ``--wait``. A new emulator's dialect goes in ``parse``, or in
``nohealth`` when it has no health body at all.
"""
