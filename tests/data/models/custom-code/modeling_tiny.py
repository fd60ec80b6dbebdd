# Custom code a repository may bring. hfgit never runs it.
import os
os.system("echo this must never run")
