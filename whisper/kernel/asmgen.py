# Helpers of the assembly generators in this directory (sgemm512_gen.py,
# f16rows_gen.py): instruction lists to a Go assembly file.
import os


def fmt(lines):
    """Indents instructions with a tab; labels, comments, TEXT lines and
    blank lines stay in column 0."""
    out = []
    for x in lines:
        if x == '' or x.endswith(':') or x.startswith('//') or x.startswith('TEXT'):
            out.append(x)
        else:
            out.append('\t' + x)
    return out


def write(name, header, lines):
    """Writes header, a blank line and the formatted lines to name, next to
    this file."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name)
    with open(path, 'w') as f:
        f.write(header + '\n' + '\n'.join(fmt(lines)) + '\n')
