# Generates whisper/kernel/quant_amd64.s; run from the repository root.
# (helper quant: the lead may keep it next to the .s, e.g. whisper/kernel/quant_gen.py.)
types = {
 # name: (block bytes, nibble offset or None for Q8_0, bits offset or None, signed, has m/s, y12 constant)
 'Q8_0': (34, None, None, True, False, None),
 'Q4_0': (18, 2, None, True, False, 'q8s'),
 'Q4_1': (20, 4, None, False, True, None),
 'Q5_0': (22, 6, 2, True, False, 'qf0s'),
 'Q5_1': (24, 8, 4, False, True, 'q10s'),
}

def unpack(name, base):
    bs, nib, bits, signed, ms, _ = types[name]
    if nib is None:
        return ['VMOVDQU 2(%s), Y1' % base]
    l = ['VMOVDQU %d(%s), X1' % (nib, base), 'VPSRLW $4, X1, X2', 'VINSERTI128 $1, X2, Y1, Y1', 'VPAND Y14, Y1, Y1']
    if name == 'Q4_0':
        l.append('VPSUBB Y12, Y1, Y1')
    if bits is not None:
        l += ['VPBROADCASTD %d(%s), Y2' % (bits, base), 'VPSHUFB Y11, Y2, Y2', 'VPOR Y10, Y2, Y2', 'VPCMPEQB Y9, Y2, Y2']
        l.append('VPANDN Y12, Y2, Y2' if name == 'Q5_0' else 'VPAND Y12, Y2, Y2')
        l.append('VPOR Y2, Y1, Y1')
    return l

def rowdot(name, vnni, base, acc, summs):
    """Dot of one weight block at base with the activation block in Y5 (scale in Y8)."""
    bs, nib, bits, signed, ms, _ = types[name]
    l = unpack(name, base)
    if signed:
        l += ['VPSIGNB Y1, Y1, Y3', 'VPSIGNB Y1, Y5, Y2']
        u, s = 'Y3', 'Y2'
    else:
        u, s = 'Y1', 'Y5'
    if vnni:
        l += ['VPXOR Y4, Y4, Y4', 'VPDPBUSD %s, %s, Y4' % (s, u), 'VCVTDQ2PS Y4, Y3']
    else:
        l += ['VPMADDUBSW %s, %s, Y3' % (s, u), 'VPMADDWD Y13, Y3, Y3', 'VCVTDQ2PS Y3, Y3']
    l += ['VPBROADCASTW (%s), X4' % base, 'VCVTPH2PS X4, Y4', 'VMULPS Y8, Y4, Y4', 'VFMADD231PS Y4, Y3, %s' % acc]
    if ms:
        l += ['VPBROADCASTW 2(%s), X4' % base, 'VCVTPH2PS X4, X4', 'VFMADD231SS (DX), X4, %s' % summs]
    return l

out = []
w = out.append
w('//go:build amd64 && !purego')
w('')
w('// The block-dot routines, five types × AVX2/VNNI × one or several')
w('// activation rows, are written from one template (quant_gen.py). dots*:')
w('// two weight rows at a time (two accumulators sharing each activation')
w('// block; a last odd row alone); per 32-block unpack the weights to bytes,')
w('// multiply with the int8 activations, scale by d_w·d_a and accumulate in')
w('// float32. dotsM*: one weight row against a group of activation rows')
w('// (four; two for the _1 types) whose blocks the caller interleaves, each')
w('// weight block unpacked once for the group.')
w('')
w('#include "textflag.h"')
w('')
def data(name, vals):
    for i in range(4):
        w('DATA %s<>+%d(SB)/8, $0x%016x' % (name, 8*i, vals[i]))
    w('GLOBL %s<>(SB), RODATA|NOPTR, $32' % name)
    w('')
data('qones16', [0x0001000100010001]*4)
data('q0fs', [0x0f0f0f0f0f0f0f0f]*4)
data('q8s', [0x0808080808080808]*4)
data('qf0s', [0xf0f0f0f0f0f0f0f0]*4)
data('q10s', [0x1010101010101010]*4)
data('qshuf', [0x0000000000000000, 0x0101010101010101, 0x0202020202020202, 0x0303030303030303])
data('qbits', [0x7fbfdfeff7fbfdfe]*4)

def reduce(acc, tmp, summs, ms):
    l = ['VEXTRACTF128 $1, %s, %s' % (acc, tmp), 'VADDPS %s, %s, %s' % (tmp, acc.replace('Y', 'X'), acc.replace('Y', 'X')),
         'VHADDPS %s, %s, %s' % ((acc.replace('Y', 'X'),) * 3), 'VHADDPS %s, %s, %s' % ((acc.replace('Y', 'X'),) * 3)]
    if ms:
        l.append('VADDSS %s, %s, %s' % (summs, acc.replace('Y', 'X'), acc.replace('Y', 'X')))
    return l

for name, (bs, nib, bits, signed, ms, y12) in types.items():
    for vnni in (False, True):
        fn = 'dots%s%s' % (name, 'VNNI' if vnni else 'AVX2')
        w('// func %s(out *float32, w *byte, rb, nrows int, qs *int8, d, s *float32, nb int)' % fn)
        w('// out[r] = Σ_b d_w·d[b]·Σ_j q_w·qs[32b+j]%s for the nrows rows of' % (' + m_w·s[b]' if ms else ''))
        w('// %s blocks at w (row stride rb bytes), nb blocks a row (ggml_vec_dot_%s_%s).' % (name, name.lower(), 'q8_1' if ms else 'q8_0'))
        w('// Integer products with %s.' % ('VPDPBUSD (AVX512-VNNI on 256-bit vectors)' if vnni else 'VPMADDUBSW/VPMADDWD (AVX2)'))
        w('TEXT ·%s(SB), NOSPLIT, $0-64' % fn)
        for i, (arg, reg) in enumerate([('out', 'DI'), ('w', 'SI'), ('rb', 'R8'), ('nrows', 'R9'), ('qs', 'R10'), ('d', 'R11'), ('s', 'R12'), ('nb', 'R13')]):
            w('\tMOVQ %s+%d(FP), %s' % (arg, 8*i, reg))
        if not vnni:
            w('\tVMOVDQU qones16<>(SB), Y13')
        if nib is not None:
            w('\tVMOVDQU q0fs<>(SB), Y14')
        if y12:
            w('\tVMOVDQU %s<>(SB), Y12' % y12)
        if bits is not None:
            w('\tVMOVDQU qshuf<>(SB), Y11')
            w('\tVMOVDQU qbits<>(SB), Y10')
            w('\tVPCMPEQB Y9, Y9, Y9')
        w('\tCMPQ R9, $2')
        w('\tJLT one')
        w('')
        w('two:')
        w('\tVXORPS Y0, Y0, Y0')
        w('\tVXORPS Y6, Y6, Y6')
        if ms:
            w('\tVXORPS X15, X15, X15')
            w('\tVXORPS X7, X7, X7')
            w('\tMOVQ R12, DX')
        w('\tMOVQ SI, BX')
        w('\tMOVQ R10, AX')
        w('\tMOVQ R11, CX')
        w('\tMOVQ R13, R14')
        w('')
        w('twoblock:')
        w('\tVMOVDQU (AX), Y5')
        w('\tVBROADCASTSS (CX), Y8')
        for l in rowdot(name, vnni, 'BX', 'Y0', 'X15'):
            w('\t' + l)
        for l in rowdot(name, vnni, 'BX)(R8*1', 'Y6', 'X7'):
            w('\t' + l)
        if ms:
            w('\tADDQ $4, DX')
        w('\tADDQ $%d, BX' % bs)
        w('\tADDQ $32, AX')
        w('\tADDQ $4, CX')
        w('\tDECQ R14')
        w('\tJNZ twoblock')
        w('')
        for l in reduce('Y0', 'X1', 'X15', ms):
            w('\t' + l)
        for l in reduce('Y6', 'X1', 'X7', ms):
            w('\t' + l)
        w('\tVMOVSS X0, (DI)')
        w('\tVMOVSS X6, 4(DI)')
        w('\tADDQ $8, DI')
        w('\tLEAQ (SI)(R8*2), SI')
        w('\tSUBQ $2, R9')
        w('\tCMPQ R9, $2')
        w('\tJGE two')
        w('')
        w('one:')
        w('\tTESTQ R9, R9')
        w('\tJZ done')
        w('\tVXORPS Y0, Y0, Y0')
        if ms:
            w('\tVXORPS X15, X15, X15')
            w('\tMOVQ R12, DX')
        w('\tMOVQ SI, BX')
        w('\tMOVQ R10, AX')
        w('\tMOVQ R11, CX')
        w('\tMOVQ R13, R14')
        w('')
        w('oneblock:')
        w('\tVMOVDQU (AX), Y5')
        w('\tVBROADCASTSS (CX), Y8')
        for l in rowdot(name, vnni, 'BX', 'Y0', 'X15'):
            w('\t' + l)
        if ms:
            w('\tADDQ $4, DX')
        w('\tADDQ $%d, BX' % bs)
        w('\tADDQ $32, AX')
        w('\tADDQ $4, CX')
        w('\tDECQ R14')
        w('\tJNZ oneblock')
        w('')
        for l in reduce('Y0', 'X1', 'X15', ms):
            w('\t' + l)
        w('\tVMOVSS X0, (DI)')
        w('')
        w('done:')
        w('\tVZEROUPPER')
        w('\tRET')
        w('')

# Several activation rows against one weight row at a time: the activation
# blocks are interleaved by the caller ([block][act][32] int8, [block][act]
# scales and sums), so act a's block is at a*32(AX), its scale at a*4(CX).
nacts = {'Q8_0': 4, 'Q4_0': 4, 'Q5_0': 4, 'Q4_1': 2, 'Q5_1': 2}
accs = ['Y0', 'Y6', 'Y7', 'Y15']
summregs = ['X7', 'X15']
for name, (bs, nib, bits, signed, ms, y12) in types.items():
    A = nacts[name]
    for vnni in (False, True):
        fn = 'dotsM%s%s' % (name, 'VNNI' if vnni else 'AVX2')
        w('// func %s(out *float32, ldo int, w *byte, nrows int, qs *int8, d, s *float32, nb int)' % fn)
        w('// out[a*ldo+r] = row r of the nrows rows of %s blocks at w (nb blocks a row,' % name)
        w('// rows contiguous) dotted with activation a < %d: its block b is qs[(b*%d+a)*32:],' % (A, A))
        w('// scale d[b*%d+a]%s. Each weight block is unpacked once for the %d rows.' % (A, ', sum s[b*%d+a]' % A if ms else '', A))
        w('TEXT ·%s(SB), NOSPLIT, $0-64' % fn)
        for i, (arg, reg) in enumerate([('out', 'DI'), ('ldo', 'R8'), ('w', 'BX'), ('nrows', 'R9'), ('qs', 'R10'), ('d', 'R11'), ('s', 'R12'), ('nb', 'R13')]):
            w('\tMOVQ %s+%d(FP), %s' % (arg, 8*i, reg))
        w('\tSHLQ $2, R8')
        w('\tLEAQ (R8)(R8*2), SI')
        if not vnni:
            w('\tVMOVDQU qones16<>(SB), Y13')
        if nib is not None:
            w('\tVMOVDQU q0fs<>(SB), Y14')
        if y12:
            w('\tVMOVDQU %s<>(SB), Y12' % y12)
        if bits is not None:
            w('\tVMOVDQU qshuf<>(SB), Y11')
            w('\tVMOVDQU qbits<>(SB), Y10')
            w('\tVPCMPEQB Y9, Y9, Y9')
        w('')
        w('mrow:')
        for a in range(A):
            w('\tVXORPS %s, %s, %s' % (accs[a], accs[a], accs[a]))
        if ms:
            for a in range(A):
                w('\tVXORPS %s, %s, %s' % (summregs[a], summregs[a], summregs[a]))
            w('\tMOVQ R12, DX')
        w('\tMOVQ R10, AX')
        w('\tMOVQ R11, CX')
        w('\tMOVQ R13, R14')
        w('')
        w('mblock:')
        for l in unpack(name, 'BX'):
            w('\t' + l)
        if signed:
            w('\tVPSIGNB Y1, Y1, Y3')
            u = 'Y3'
        else:
            u = 'Y1'
        w('\tVPBROADCASTW (BX), X4')
        w('\tVCVTPH2PS X4, Y4')
        for a in range(A):
            w('\tVMOVDQU %d(AX), Y5' % (32*a))
            if signed:
                w('\tVPSIGNB Y1, Y5, Y2')
                sx = 'Y2'
            else:
                sx = 'Y5'
            if vnni:
                w('\tVPXOR Y8, Y8, Y8')
                w('\tVPDPBUSD %s, %s, Y8' % (sx, u))
                w('\tVCVTDQ2PS Y8, Y2')
            else:
                w('\tVPMADDUBSW %s, %s, Y2' % (sx, u))
                w('\tVPMADDWD Y13, Y2, Y2')
                w('\tVCVTDQ2PS Y2, Y2')
            w('\tVBROADCASTSS %d(CX), Y8' % (4*a))
            w('\tVMULPS Y8, Y4, Y8')
            w('\tVFMADD231PS Y8, Y2, %s' % accs[a])
        if ms:
            w('\tVPBROADCASTW 2(BX), X3')
            w('\tVCVTPH2PS X3, X3')
            for a in range(A):
                w('\tVFMADD231SS %d(DX), X3, %s' % (4*a, summregs[a]))
            w('\tADDQ $%d, DX' % (4*A))
        w('\tADDQ $%d, BX' % bs)
        w('\tADDQ $%d, AX' % (32*A))
        w('\tADDQ $%d, CX' % (4*A))
        w('\tDECQ R14')
        w('\tJNZ mblock')
        w('')
        dst = ['(DI)', '(DI)(R8*1)', '(DI)(R8*2)', '(DI)(SI*1)']
        for a in range(A):
            x = accs[a].replace('Y', 'X')
            w('\tVEXTRACTF128 $1, %s, X1' % accs[a])
            w('\tVADDPS X1, %s, %s' % (x, x))
            w('\tVHADDPS %s, %s, %s' % (x, x, x))
            w('\tVHADDPS %s, %s, %s' % (x, x, x))
            if ms:
                w('\tVADDSS %s, %s, %s' % (summregs[a], x, x))
            w('\tVMOVSS %s, %s' % (x, dst[a]))
        w('\tADDQ $4, DI')
        w('\tDECQ R9')
        w('\tJNZ mrow')
        w('\tVZEROUPPER')
        w('\tRET')
        w('')
open('whisper/kernel/quant_amd64.s', 'w').write('\n'.join(out))
