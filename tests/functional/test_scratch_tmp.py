import sys
def test_smoke(recorded):
    p = recorded
    r = p.run("--cache-compat")
    assert r.ret == 0, r.stdout.str()
def test_smoke2(recorded):
    p = recorded
    p.write("tests/conftest.py", "")
    r = p.run("--cache-compat")
    assert r.ret == 0, r.stdout.str()
