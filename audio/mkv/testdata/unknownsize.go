//go:build ignore

// Unknownsize rewrites a Matroska file the way a live recorder (a browser's
// MediaRecorder) leaves it: the size fields of the Segment and of every
// Cluster become "unknown" (all ones, in the same number of bytes), so that
// a reader has to find where each Cluster ends from the element that
// follows it. Nothing else changes. make.sh runs it:
//
//	go run unknownsize.go in.webm out.webm
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go run unknownsize.go IN OUT")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	clusters, err := rewrite(b)
	if err != nil {
		fmt.Fprintln(os.Stderr, os.Args[1]+":", err)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[2], b, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s: Segment and %d Clusters now of unknown size\n", os.Args[2], clusters)
}

// vint reads the variable-length integer at b[p:]: its value without the
// length marker (or with it, for IDs), and its length.
func vint(b []byte, p int, keepMarker bool) (uint64, int, error) {
	if p >= len(b) || b[p] == 0 {
		return 0, 0, fmt.Errorf("bad vint at %d", p)
	}
	n := 1
	for m := byte(0x80); b[p]&m == 0; m >>= 1 {
		n++
	}
	if p+n > len(b) {
		return 0, 0, fmt.Errorf("truncated vint at %d", p)
	}
	v := uint64(b[p])
	if !keepMarker {
		v &= 0xFF >> n
	}
	for _, c := range b[p+1 : p+n] {
		v = v<<8 | uint64(c)
	}
	return v, n, nil
}

// markUnknown sets the n-byte size field at b[p:] to all ones.
func markUnknown(b []byte, p, n int) {
	b[p] = 0xFF >> (n - 1)
	for i := 1; i < n; i++ {
		b[p+i] = 0xFF
	}
}

// rewrite marks the Segment and its Clusters as of unknown size.
func rewrite(b []byte) (int, error) {
	p, clusters := 0, 0
	for p < len(b) {
		id, idLen, err := vint(b, p, true)
		if err != nil {
			return 0, err
		}
		size, sizeLen, err := vint(b, p+idLen, false)
		if err != nil {
			return 0, err
		}
		data := p + idLen + sizeLen
		if id != 0x18538067 { // not the Segment
			p = data + int(size)
			continue
		}
		end := len(b)
		if size != 1<<(7*sizeLen)-1 { // not already unknown
			end = min(end, data+int(size))
		}
		markUnknown(b, p+idLen, sizeLen)
		for q := data; q < end; {
			cid, cidLen, err := vint(b, q, true)
			if err != nil {
				return 0, err
			}
			csize, csizeLen, err := vint(b, q+cidLen, false)
			if err != nil {
				return 0, err
			}
			if cid == 0x1F43B675 { // Cluster
				markUnknown(b, q+cidLen, csizeLen)
				clusters++
			}
			q += cidLen + csizeLen + int(csize)
		}
		p = end
	}
	return clusters, nil
}
