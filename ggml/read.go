package ggml

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
)

// Limits on what Read accepts; anything beyond them is reported as corrupt.
const (
	MaxNameLen  = 1024      // bytes in a tensor name
	MaxVocab    = 1_000_000 // tokens in the vocabulary
	MaxTokenLen = 4096      // bytes in one token
	MaxMel      = 1024      // mel bands in the filterbank
	MaxFFT      = 1 << 16   // frequency bins per mel band
	// MaxHparam bounds every hyperparameter; negative ones are corrupt
	// too. What a model can really use is checked by its loader.
	MaxHparam = 1 << 24
)

// bufferSize is the read buffer; big tensors bypass it and are read straight
// into their Data.
const bufferSize = 1 << 20

// growStart is the largest allocation made on a count's or a shape's word
// alone when the input's size is unknown (a pipe): mel filters, the
// vocabulary and bigger tensors then grow as their data arrives, so a
// corrupt header cannot demand more memory than the input holds.
const growStart = 1 << 20

// arenaSize is the size of the chunks vocabulary tokens are carved from.
const arenaSize = 64 << 10

// Open parses the ggml model file at path (see Read) with the same checks
// and errors. Errors from the file system name the path; format errors do
// not, so callers add it.
//
// A regular file is mapped into memory read-only where the platform allows
// (Unix): every Tensor's Data and Vocab token is then a slice of the
// mapping, not a copy, so opening costs no memory beyond the pages the
// kernel reads in (shared with the page cache and with other processes
// mapping the same file), and File.Mapped reports true. The mapping is
// never unmapped: it lives as long as the process, because any slice of it
// (a tensor kept by a loaded model) may outlive the File. Open such files
// once per process (a worker loads its model once), not in a loop. The
// data is read-only: writing to a mapped Tensor's Data or token faults,
// which crashes the program. The file must not be truncated or rewritten
// in place while in use: reading pages of a truncated mapping raises
// SIGBUS, which is why deployments mount models read-only and replace a
// model by writing a new file and renaming it over the old one. A file
// that fails to parse is unmapped before Open returns.
//
// Pipes, FIFOs and other files that cannot be mapped, and every file on
// other platforms, are read as Read does, each tensor in its own
// allocation.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	st, err := fh.Stat()
	if err != nil {
		return nil, err
	}
	size := int64(-1)
	if st.Mode().IsRegular() {
		size = st.Size()
		if mem, ok := mapFile(fh, size); ok {
			f, err := parse(&decoder{mem: mem, size: int64(len(mem))})
			if err != nil {
				unmapFile(mem)
				return nil, err
			}
			f.mapped = true
			return f, nil
		}
	}
	return read(bufio.NewReaderSize(fh, bufferSize), size)
}

// Mapped reports whether the File's tensor data and vocabulary are slices
// of a read-only mapping of the file (see Open) rather than allocations of
// their own.
func (f *File) Mapped() bool { return f.mapped }

// Read parses a whole ggml model file from r: header, mel filters,
// vocabulary and every tensor, each tensor's data in one allocation. It
// checks the layout (magic, counts, lengths, shapes, types, duplicate
// names, truncation) but not what the tensors mean. Errors wrap
// ErrBadMagic, ErrTruncated, ErrCorrupt or ErrUnsupportedType, or the
// reader's own error.
func Read(r io.Reader) (*File, error) {
	size := int64(-1)
	if l, ok := r.(interface{ Len() int }); ok { // bytes.Reader, strings.Reader, bytes.Buffer
		size = int64(l.Len())
	}
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReaderSize(r, bufferSize)
	}
	return read(br, size)
}

// decoder reads the file's little-endian fields, tracking the offset for
// error messages and, when known, the input size to reject impossible
// lengths before allocating. It reads from r, or, when mem is set (a
// mapped file: size is len(mem)), slices tensor data and tokens out of mem.
type decoder struct {
	r    *bufio.Reader
	mem  []byte
	off  int64 // bytes consumed
	size int64 // input size, or -1 when unknown
	b    [4 * MaxDims]byte
}

func read(r *bufio.Reader, size int64) (*File, error) {
	return parse(&decoder{r: r, size: size})
}

// parse reads a whole file through d.
func parse(d *decoder) (*File, error) {
	f := &File{}
	if err := d.magic(); err != nil {
		return nil, err
	}
	if err := d.hparams(&f.Hparams); err != nil {
		return nil, err
	}
	if err := d.filters(&f.Filters); err != nil {
		return nil, err
	}
	if err := d.vocab(f); err != nil {
		return nil, err
	}
	if err := d.tensors(f); err != nil {
		return nil, err
	}
	return f, nil
}

// full reads exactly len(p) bytes of the named part.
func (d *decoder) full(p []byte, what string) error {
	var n int
	var err error
	if d.mem != nil {
		n = copy(p, d.mem[d.off:])
		if n < len(p) {
			err = io.ErrUnexpectedEOF
		}
	} else {
		n, err = io.ReadFull(d.r, p)
	}
	d.off += int64(n)
	switch {
	case err == nil:
		return nil
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %s needs %d bytes at offset %d, but the file ends after %d",
			ErrTruncated, what, len(p), d.off-int64(n), n)
	default:
		return fmt.Errorf("ggml: reading %s at offset %d: %w", what, d.off, err)
	}
}

// int32s reads n little-endian int32 values (n ≤ MaxDims) of the named part.
func (d *decoder) int32s(n int, what string) ([]int, error) {
	p := d.b[:4*n]
	if err := d.full(p, what); err != nil {
		return nil, err
	}
	v := make([]int, n)
	for i := range v {
		v[i] = int(int32(binary.LittleEndian.Uint32(p[4*i:])))
	}
	return v, nil
}

// fits reports whether n more bytes can be in the input, as far as known.
func (d *decoder) fits(n int64) bool { return d.size < 0 || n <= d.size-d.off }

// left describes the bytes remaining, for messages.
func (d *decoder) left() string {
	if d.size < 0 {
		return "an input of unknown size"
	}
	return fmt.Sprintf("%d bytes left", d.size-d.off)
}

func (d *decoder) magic() error {
	p := d.b[:4]
	if err := d.full(p, "magic"); err != nil {
		return err
	}
	m := binary.LittleEndian.Uint32(p)
	switch {
	case m == Magic:
		return nil
	case string(p) == "GGUF":
		return fmt.Errorf("%w: found %q: this is a GGUF file, not a whisper.cpp ggml model file (magic 0x%08x, %q on disk)",
			ErrBadMagic, p, Magic, "lmgg")
	default:
		return fmt.Errorf("%w: found 0x%08x (%q), want 0x%08x (%q on disk): not a whisper.cpp ggml model file",
			ErrBadMagic, m, p, Magic, "lmgg")
	}
}

func (d *decoder) hparams(h *Hparams) error {
	fields := h.ints()
	p := make([]byte, 4*len(fields))
	if err := d.full(p, "hparams"); err != nil {
		return err
	}
	names := hparamNames()
	for i, f := range fields {
		*f = int(int32(binary.LittleEndian.Uint32(p[4*i:])))
		if *f < 0 || *f > MaxHparam {
			return fmt.Errorf("%w: hparam %s is %d, want 0 to %d", ErrCorrupt, names[i], *f, MaxHparam)
		}
	}
	return nil
}

func (d *decoder) filters(m *MelFilters) error {
	v, err := d.int32s(2, "mel filter header (n_mel, n_fft)")
	if err != nil {
		return err
	}
	m.NMel, m.NFFT = v[0], v[1]
	if m.NMel < 1 || m.NMel > MaxMel || m.NFFT < 1 || m.NFFT > MaxFFT {
		return fmt.Errorf("%w: mel filters are %d×%d, want n_mel 1 to %d and n_fft 1 to %d",
			ErrCorrupt, m.NMel, m.NFFT, MaxMel, MaxFFT)
	}
	n := m.NMel * m.NFFT
	m.Data, err = d.float32s(n, fmt.Sprintf("mel filters (%d×%d float32)", m.NMel, m.NFFT))
	return err
}

// float32s reads n little-endian float32 values of the named part. Memory
// follows the data: all n at once when the input's size shows they are
// there, otherwise growing as they arrive, so a header cannot make a short
// input from a pipe allocate what its counts claim.
func (d *decoder) float32s(n int, what string) ([]float32, error) {
	if !d.fits(4 * int64(n)) {
		return nil, fmt.Errorf("%w: %s needs %d bytes at offset %d, %s", ErrTruncated, what, 4*n, d.off, d.left())
	}
	v := make([]float32, 0, d.prealloc(n, 4))
	start := d.off
	var chunk [4096]byte
	for len(v) < n {
		k := min(n-len(v), len(chunk)/4)
		p := chunk[:4*k]
		if err := d.full(p, what); err != nil {
			if errors.Is(err, ErrTruncated) {
				return nil, fmt.Errorf("%w: %s needs %d bytes at offset %d, but the file ends after %d",
					ErrTruncated, what, 4*n, start, d.off-start)
			}
			return nil, err
		}
		for i := range k {
			v = append(v, math.Float32frombits(binary.LittleEndian.Uint32(p[4*i:])))
		}
	}
	return v, nil
}

// prealloc is how many of n items of size bytes each to allocate up front:
// all of them when the input's size is known (the caller has checked they
// fit), otherwise at most growStart bytes' worth.
func (d *decoder) prealloc(n, size int) int {
	if d.size >= 0 {
		return n
	}
	return min(n, growStart/size)
}

func (d *decoder) vocab(f *File) error {
	v, err := d.int32s(1, "vocabulary count")
	if err != nil {
		return err
	}
	count := v[0]
	if count < 0 || count > MaxVocab {
		return fmt.Errorf("%w: vocabulary count %d, want 0 to %d", ErrCorrupt, count, MaxVocab)
	}
	if !d.fits(4 * int64(count)) {
		return fmt.Errorf("%w: vocabulary of %d tokens needs at least %d bytes at offset %d, %s",
			ErrTruncated, count, 4*count, d.off, d.left())
	}
	f.Vocab = make([][]byte, 0, d.prealloc(count, 24))
	var arena []byte // tokens are carved out of shared chunks
	for i := range count {
		p := d.b[:4]
		if err := d.full(p, fmt.Sprintf("vocabulary token %d of %d (length)", i, count)); err != nil {
			return err
		}
		n := binary.LittleEndian.Uint32(p)
		if n > MaxTokenLen {
			return fmt.Errorf("%w: vocabulary token %d is %d bytes long, want at most %d", ErrCorrupt, i, n, MaxTokenLen)
		}
		if d.mem != nil && d.fits(int64(n)) {
			f.Vocab = append(f.Vocab, d.slice(int(n)))
			continue
		}
		if int(n) > cap(arena)-len(arena) {
			arena = make([]byte, 0, max(arenaSize, int(n)))
		}
		tok := arena[len(arena) : len(arena)+int(n) : len(arena)+int(n)]
		arena = arena[:len(arena)+int(n)]
		if err := d.full(tok, fmt.Sprintf("vocabulary token %d of %d (%d bytes)", i, count, n)); err != nil {
			return err
		}
		f.Vocab = append(f.Vocab, tok)
	}
	return nil
}

func (d *decoder) tensors(f *File) error {
	f.index = map[string]*Tensor{}
	for i := 0; ; i++ {
		if d.mem != nil {
			if d.off == d.size {
				return nil
			}
		} else if _, err := d.r.Peek(1); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("ggml: reading tensor #%d at offset %d: %w", i, d.off, err)
		}
		t, err := d.tensor(i, f)
		if err != nil {
			return err
		}
		f.Tensors = append(f.Tensors, t)
		f.index[t.Name] = t
	}
}

// tensor reads the record of the i-th tensor.
func (d *decoder) tensor(i int, f *File) (*Tensor, error) {
	where := fmt.Sprintf("tensor #%d", i)
	if i > 0 {
		where += fmt.Sprintf(" (after %q)", f.Tensors[i-1].Name)
	}
	v, err := d.int32s(3, where+" header")
	if err != nil {
		return nil, err
	}
	nDims, nameLen, typ := v[0], v[1], Type(uint32(v[2]))
	if nDims < 1 || nDims > MaxDims {
		return nil, fmt.Errorf("%w: %s at offset %d: n_dims %d, want 1 to %d", ErrCorrupt, where, d.off-12, nDims, MaxDims)
	}
	if nameLen < 1 || nameLen > MaxNameLen {
		return nil, fmt.Errorf("%w: %s at offset %d: name length %d, want 1 to %d", ErrCorrupt, where, d.off-12, nameLen, MaxNameLen)
	}
	shape, err := d.int32s(nDims, where+" shape")
	if err != nil {
		return nil, err
	}
	name := make([]byte, nameLen)
	if err := d.full(name, where+" name"); err != nil {
		return nil, err
	}
	t := &Tensor{Name: string(name), Type: typ, Shape: shape}
	where = fmt.Sprintf("tensor #%d %q", i, t.Name)
	if !typ.Valid() {
		return nil, fmt.Errorf("%w: %s has ggml type %d; supported: %v", ErrUnsupportedType, where, uint32(typ), Types())
	}
	n, err := elements(shape)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCorrupt, where, err)
	}
	if bs := typ.BlockSize(); shape[0]%bs != 0 {
		return nil, fmt.Errorf("%w: %s is %v with rows of %d elements, not a multiple of its block size %d",
			ErrCorrupt, where, typ, shape[0], bs)
	}
	if _, dup := f.index[t.Name]; dup {
		return nil, fmt.Errorf("%w: %s: duplicate tensor name", ErrCorrupt, where)
	}
	if t.Data, err = d.data(typ.RowBytes(n), fmt.Sprintf("%s data (%v %v)", where, typ, shape)); err != nil {
		return nil, err
	}
	return t, nil
}

// data reads n bytes of tensor data: a slice of a mapped file; in one
// allocation when the input's size is known (and holds them), otherwise
// growing from growStart bytes as the data arrives (at most doubling), so a
// shape in a short input from a pipe cannot demand more memory than the
// input holds.
func (d *decoder) data(n int, what string) ([]byte, error) {
	if !d.fits(int64(n)) {
		return nil, fmt.Errorf("%w: %s needs %d bytes at offset %d, %s", ErrTruncated, what, n, d.off, d.left())
	}
	if d.mem != nil {
		return d.slice(n), nil
	}
	if d.size >= 0 || n <= growStart {
		p := make([]byte, n)
		return p, d.full(p, what)
	}
	start := d.off
	p := make([]byte, 0, growStart)
	for len(p) < n {
		m := min(n-len(p), max(len(p), growStart))
		p = slices.Grow(p, m)
		if err := d.full(p[len(p):len(p)+m], what); err != nil {
			if errors.Is(err, ErrTruncated) {
				return nil, fmt.Errorf("%w: %s needs %d bytes at offset %d, but the file ends after %d",
					ErrTruncated, what, n, start, d.off-start)
			}
			return nil, err
		}
		p = p[:len(p)+m]
	}
	return p, nil
}

// slice returns the next n bytes of a mapped file, which the caller has
// checked are there (d.fits), capped so that an append cannot write into
// the mapping.
func (d *decoder) slice(n int) []byte {
	p := d.mem[d.off : d.off+int64(n) : d.off+int64(n)]
	d.off += int64(n)
	return p
}
