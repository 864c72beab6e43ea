package mkv

import (
	"io"
)

// Limits on the EBML header.
const (
	// maxEBMLHeader is the largest EBML header accepted, in bytes; real ones
	// are about 40.
	maxEBMLHeader = 4 << 10
	// maxDocTypeReadVersion is the newest Matroska version a reader must
	// understand that this package reads (RFC 9559 describes version 4).
	maxDocTypeReadVersion = 4
	// maxDocTypeLen bounds the DocType string.
	maxDocTypeLen = 64
)

// ebmlMagic is the EBML header's element ID as it starts every file.
var ebmlMagic = [4]byte{0x1A, 0x45, 0xDF, 0xA3}

// readEBMLHeader reads the EBML header that starts the file, checks that it
// announces a Matroska or WebM document this package can read, and returns
// its DocType ("matroska" or "webm").
func readEBMLHeader(e *ebmlReader) (string, error) {
	avail, err := e.fill(len(ebmlMagic))
	if err != nil {
		return "", readErr(err, "the EBML header", 0)
	}
	b := e.buf[e.i : e.i+avail]
	switch {
	case avail == 0:
		return "", malformed("file is empty")
	case avail < len(ebmlMagic) && string(b) == string(ebmlMagic[:avail]):
		return "", malformed("file is truncated: %d bytes", avail)
	case string(b[:min(avail, len(ebmlMagic))]) != string(ebmlMagic[:]):
		return "", unsupported("not a Matroska or WebM file: it does not start with an EBML header")
	}
	h, err := e.readHeader(e.size)
	if err != nil {
		return "", err
	}
	if h.size == unknownSize || h.size > maxEBMLHeader {
		return "", malformed("EBML header of %d bytes; at most %d are allowed", h.size, maxEBMLHeader)
	}
	docType := "matroska" // the default of RFC 8794
	readVersion := uint64(1)
	for {
		c, err := e.readHeader(h.end())
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", err
		}
		if c.size == unknownSize {
			return "", malformed("an element in the EBML header has an unknown size")
		}
		var v uint64
		switch c.id {
		case idEBMLReadVersion:
			if v, err = e.readUint(c, "EBMLReadVersion"); err == nil && v != 1 {
				return "", unsupported("EBML read version %d; only version 1 exists", v)
			}
		case idEBMLMaxIDLength:
			if v, err = e.readUint(c, "EBMLMaxIDLength"); err == nil && v > 4 {
				return "", unsupported("EBML element IDs of up to %d bytes; Matroska uses at most 4", v)
			}
		case idEBMLMaxSizeLength:
			if v, err = e.readUint(c, "EBMLMaxSizeLength"); err == nil && v > 8 {
				return "", unsupported("EBML element sizes of up to %d bytes; at most 8 are read", v)
			}
		case idDocType:
			docType, err = e.readString(c, maxDocTypeLen, "DocType")
		case idDocTypeReadVersion:
			readVersion, err = e.readUint(c, "DocTypeReadVersion")
		default: // EBMLVersion, DocTypeVersion, DocTypeExtension, Void, CRC-32
			err = e.skip(c)
		}
		if err != nil {
			return "", err
		}
	}
	if docType != "matroska" && docType != "webm" {
		return "", unsupported("EBML document is neither Matroska nor WebM (its DocType is another)")
	}
	if readVersion > maxDocTypeReadVersion {
		return "", unsupported("%s version %d is needed to read the file; versions up to %d are read", docType, readVersion, maxDocTypeReadVersion)
	}
	return docType, nil
}
