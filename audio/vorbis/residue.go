package vorbis

// A residue configuration (section 8): how the spectral fine structure of
// the channels of a submap is coded.
type residue struct {
	kind            int // 0, 1 or 2
	begin, end      int
	partitionSize   int
	classifications int
	classbook       int
	books           [64][8]int16 // book of each class and pass, -1 if none
}

// readResidue reads a residue configuration of the given type (section
// 8.6.1).
func readResidue(br *bitReader, kind int, books []codebook) (*residue, error) {
	r := &residue{
		kind:            kind,
		begin:           int(br.read(24)),
		end:             int(br.read(24)),
		partitionSize:   int(br.read(24)) + 1,
		classifications: int(br.read(6)) + 1,
		classbook:       int(br.read(8)),
	}
	if br.eop {
		return nil, errEOPSetup
	}
	if r.classbook >= len(books) {
		return nil, malformed("residue classbook %d of %d", r.classbook, len(books))
	}
	// classifications^dimensions must not exceed the classbook's entries.
	cb := &books[r.classbook]
	vals := 1
	for range cb.dims {
		vals *= r.classifications
		if vals > cb.entries {
			return nil, malformed("residue of %d classifications cannot use a classbook of %d entries and %d dimensions", r.classifications, cb.entries, cb.dims)
		}
	}
	var cascade [64]uint
	for i := range r.classifications {
		low := uint(br.read(3))
		high := uint(0)
		if br.flag() {
			high = uint(br.read(5))
		}
		cascade[i] = high<<3 | low
	}
	for i := range r.classifications {
		for j := range 8 {
			r.books[i][j] = -1
			if cascade[i]&(1<<j) == 0 {
				continue
			}
			b := int(br.read(8))
			if br.eop {
				return nil, errEOPSetup
			}
			if b >= len(books) {
				return nil, malformed("residue book %d of %d", b, len(books))
			}
			if books[b].lookup == 0 {
				return nil, malformed("residue book %d has no value mapping", b)
			}
			r.books[i][j] = int16(b)
		}
	}
	if br.eop {
		return nil, errEOPSetup
	}
	return r, nil
}

// decode adds the residue of the vectors vs (each the half block n/2 long,
// zeroed by the caller) from the packet; skip marks vectors not to decode.
// tmp holds ch·n/2 values for type 2; classes one byte per partition and
// vector. The end of the packet ends decoding: what was read stays.
func (r *residue) decode(br *bitReader, books []codebook, vs [][]float32, skip []bool, tmp []float32, classes []uint8) {
	if r.kind != 2 {
		r.decodeVectors(br, books, vs, skip, classes)
		return
	}
	decode := false
	for _, s := range skip {
		decode = decode || !s
	}
	if !decode {
		return
	}
	ch := len(vs)
	half := len(vs[0])
	flat := tmp[:ch*half]
	clear(flat)
	var one [1]bool
	r.decodeVectors(br, books, [][]float32{flat}, one[:], classes)
	if ch == 1 {
		copy(vs[0], flat)
		return
	}
	if ch == 2 {
		a, b := vs[0], vs[1]
		for i := range half {
			a[i] = flat[2*i]
			b[i] = flat[2*i+1]
		}
		return
	}
	for i := range half {
		for j, v := range vs {
			v[i] = flat[i*ch+j]
		}
	}
}

// decodeVectors is the format 0 and 1 decode of section 8.6.2 (format 2
// after interleaving, as one vector).
func (r *residue) decodeVectors(br *bitReader, books []codebook, vs [][]float32, skip []bool, classes []uint8) {
	size := len(vs[0])
	begin := min(r.begin, size)
	end := min(r.end, size)
	psize := r.partitionSize
	parts := (end - begin) / psize
	if parts <= 0 {
		return
	}
	cb := &books[r.classbook]
	perWord := cb.dims
	ncls := r.classifications
	cls := classes[:len(vs)*parts]
	for pass := range 8 {
		for p := 0; p < parts; {
			if pass == 0 {
				for j := range vs {
					if skip[j] {
						continue
					}
					temp := cb.decodeScalar(br)
					if temp < 0 {
						return
					}
					// The digits of temp in base ncls, most significant
					// first, classify the next perWord partitions. As
					// ncls^perWord ≤ entries, perWord ≤ 24 unless ncls is
					// 1, when every digit is 0.
					row := cls[j*parts : (j+1)*parts]
					if ncls == 1 {
						clear(row[p:min(p+perWord, parts)])
						continue
					}
					for i := perWord - 1; i >= 0; i-- {
						if p+i < parts {
							row[p+i] = uint8(temp % ncls)
						}
						temp /= ncls
					}
				}
			}
			for i := 0; i < perWord && p < parts; i++ {
				for j, v := range vs {
					if skip[j] {
						continue
					}
					b := r.books[cls[j*parts+p]][pass]
					if b < 0 {
						continue
					}
					book := &books[b]
					off := begin + p*psize
					if !r.decodePartition(br, book, v[off:], psize) {
						return
					}
				}
				p++
			}
		}
	}
}

// decodePartition adds one partition of n values to the start of v (the
// rest of the vector: format 1 vectors that do not divide n run over
// into the next partition, as far as the vector reaches) and reports
// whether the packet still had data.
func (r *residue) decodePartition(br *bitReader, book *codebook, v []float32, n int) bool {
	dims := book.dims
	if r.kind == 0 {
		step := n / dims
		for i := range step {
			k := book.decodeIndex(br)
			if k < 0 {
				return false
			}
			e := book.vectors[k*dims : (k+1)*dims]
			for j, x := 0, i; j < dims && x < len(v); j, x = j+1, x+step {
				v[x] += e[j]
			}
		}
		return true
	}
	for i := 0; i < n; i += dims {
		k := book.decodeIndex(br)
		if k < 0 {
			return false
		}
		e := book.vectors[k*dims : (k+1)*dims]
		if i+dims <= len(v) {
			w := v[i : i+dims]
			for j, x := range e {
				w[j] += x
			}
		} else if i < len(v) {
			// A vector overrunning the partition (dimensions that do not
			// divide its size) adds only what fits in the vector.
			w := v[i:]
			for j, x := range e[:len(w)] {
				w[j] += x
			}
		}
	}
	return true
}
