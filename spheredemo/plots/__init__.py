"""Drawing of analysis results (matplotlib for figures, plotly for rotatable 3D views).

Figure functions take ``ax=None`` (or a figure), return what they drew, and never call
``plt.show()``, ``savefig`` or change rcParams; saving and styling belong to
:mod:`spheredemo.figures`.
"""
