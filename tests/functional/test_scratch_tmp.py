import time
def test_x(recorded):
    for args in [("-n","2"),("-n","2","-p","no:randomly"),("-n", "1")]:
        t=time.time(); r = recorded.run("--cache-compat", *args); print(args, time.time()-t, r.ret)
    t=time.time(); r = recorded.run_subprocess("--cache-compat", "-n", "2"); print("sub", time.time()-t, r.ret)
    assert 0
