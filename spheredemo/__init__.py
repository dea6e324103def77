"""spheredemo: learn how angular margins shape deep face embeddings (SphereFace, CVPR 2017).

Import what you need from the submodules; this package root stays light (no plotting
libraries are imported until you ask for plots or widgets).
"""

__version__ = "0.1.0"
