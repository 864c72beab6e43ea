package mkv

import (
	"io"
)

// A packet is one frame of the audio track: what the codec decodes.
type packet struct {
	data []byte // valid until the next call of nextPacket
	// discardPadding is the DiscardPadding of the block the frame is part
	// of, in nanoseconds (0: none).
	discardPadding int64
	// timestamp is the block's timestamp in TimestampScale units (Cluster
	// Timestamp + block offset); lace tells which of its frames this is.
	timestamp int64
	lace      int
	// off is the file offset of the block, for error messages.
	off int64
}

// A demuxer streams the frames of the audio track out of the Clusters.
type demuxer struct {
	e     *ebmlReader
	seg   *segment
	track *track

	// pending is a header already read that the Segment level has still
	// to handle (the element that ended an unknown-size Cluster), when
	// hasPending is set.
	pending    element
	hasPending bool
	inCluster  bool    // reading the children of cluster
	cluster    element // the current Cluster
	clusterTS  int64   // its Timestamp
	done       bool    // the Segment has ended

	block  []byte // payload of the current block; grows to maxBlockSize
	frames []span // its frames
	next   int    // index of the next frame to return
	cur    packet // the block's properties shared by its frames
	laces  [maxLaces]span
}

// newDemuxer returns a demuxer of t's frames from the Clusters of seg,
// starting at the element seg.first.
func newDemuxer(e *ebmlReader, seg *segment, t *track) *demuxer {
	d := &demuxer{e: e, seg: seg, track: t, done: seg.first == nil}
	if seg.first != nil {
		d.pending, d.hasPending = *seg.first, true
	}
	return d
}

// nextPacket returns the next non-empty frame of the audio track, and
// io.EOF at the end of the Segment.
func (d *demuxer) nextPacket() (packet, error) {
	for {
		for d.next < len(d.frames) {
			f := d.frames[d.next]
			p := d.cur
			p.data = d.block[f.start:f.end]
			p.lace = d.next
			d.next++
			if len(p.data) > 0 { // ffmpeg drops empty frames
				return p, nil
			}
		}
		d.frames = d.frames[:0]
		d.next = 0
		if d.done {
			return packet{}, io.EOF
		}
		var err error
		if d.inCluster {
			err = d.readClusterChild()
		} else {
			err = d.readSegmentChild()
		}
		if err != nil {
			return packet{}, err
		}
	}
}

// readSegmentChild handles the next element of the Segment outside
// Clusters: it enters a Cluster, skips anything else, and marks the end.
func (d *demuxer) readSegmentChild() error {
	var el element
	if d.hasPending {
		el, d.hasPending = d.pending, false
	} else {
		var err error
		if el, err = d.e.readHeader(d.seg.end); err == io.EOF {
			d.done = true
			return nil
		} else if err != nil {
			return err
		}
	}
	switch {
	case d.seg.end < 0 && isTopLevel(el.id):
		// An unknown-size Segment ends where the next EBML document starts.
		d.done = true
		return nil
	case el.id == idCluster:
		d.inCluster, d.cluster, d.clusterTS = true, el, 0
		return nil
	case el.size == unknownSize:
		return malformed("an element at offset %d has an unknown size; only Segment and Cluster may", el.off)
	}
	return d.e.skip(el)
}

// readClusterChild handles the next element of the current Cluster,
// loading the frames of a block of the audio track.
func (d *demuxer) readClusterChild() error {
	limit := d.cluster.end()
	if limit < 0 {
		limit = d.seg.end
	}
	el, err := d.e.readHeader(limit)
	if err == io.EOF {
		d.inCluster = false
		if d.cluster.size == unknownSize {
			// The Segment (or the file) ends with the Cluster.
			d.done = true
		}
		return nil
	}
	if err != nil {
		return err
	}
	if d.cluster.size == unknownSize && (isSegmentChild(el.id) || isTopLevel(el.id)) {
		// An unknown-size Cluster ends where a sibling or a parent starts.
		d.inCluster = false
		d.pending, d.hasPending = el, true
		return nil
	}
	if el.size == unknownSize {
		return malformed("an element at offset %d in a Cluster has an unknown size", el.off)
	}
	switch el.id {
	case idTimestamp:
		v, err := d.e.readUint(el, "Cluster Timestamp")
		d.clusterTS = int64(v & (1<<63 - 1))
		return err
	case idSimpleBlock:
		d.cur = packet{off: el.off}
		return d.readBlock(el)
	case idBlockGroup:
		return d.readBlockGroup(el)
	}
	return d.e.skip(el) // Position, PrevSize, SilentTracks, EncryptedBlock, Void, CRC-32, unknown
}

// readBlockGroup reads a BlockGroup: its Block and the DiscardPadding
// that applies to it.
func (d *demuxer) readBlockGroup(g element) error {
	d.cur = packet{off: g.off}
	haveBlock := false
	for {
		el, err := d.e.readHeader(g.end())
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		if el.size == unknownSize {
			return malformed("an element at offset %d in a BlockGroup has an unknown size", el.off)
		}
		switch el.id {
		case idBlock:
			if haveBlock {
				return malformed("BlockGroup at offset %d holds two Blocks", g.off)
			}
			haveBlock = true
			if err := d.readBlock(el); err != nil {
				return err
			}
			if len(d.frames) == 0 {
				// Another track's block: the rest of the group is its own.
				return d.e.skip(g)
			}
		case idDiscardPadding:
			d.cur.discardPadding, err = d.e.readInt(el, "DiscardPadding")
		default:
			// BlockDuration (a frame's length comes from the codec, and
			// ffmpeg does not trim by it), ReferenceBlock, BlockAdditions
			err = d.e.skip(el)
		}
		if err != nil {
			return err
		}
	}
	if !haveBlock {
		return malformed("BlockGroup at offset %d has no Block", g.off)
	}
	return nil
}

// readBlock reads the Block or SimpleBlock el. A block of the audio track
// is read into d.block and split into d.frames; any other declared track's
// block is skipped, leaving d.frames empty.
func (d *demuxer) readBlock(el element) error {
	avail, err := d.e.fill(int(min(el.size, maxHeaderLen)))
	if err != nil {
		return readErr(err, "a block header", el.data)
	}
	h, ok := parseBlockHeader(d.e.buf[d.e.i:d.e.i+avail], el.size)
	if !ok {
		if int64(avail) < min(el.size, maxHeaderLen) {
			return malformed("file is truncated inside the block header at offset %d", el.data)
		}
		return malformed("invalid block header at offset %d", el.off)
	}
	if h.track != d.track.number {
		if !d.seg.tracks.declares(h.track) {
			return malformed("block at offset %d belongs to track %d, which Tracks does not declare", el.off, h.track)
		}
		return d.e.skip(el)
	}
	size := el.size - int64(h.len)
	if size > maxBlockSize {
		return unsupported("block at offset %d is %d bytes; at most %d are read", el.off, size, maxBlockSize)
	}
	d.e.i += h.len
	if int64(cap(d.block)) < size {
		d.block = make([]byte, size, min(max(size, int64(2*cap(d.block))), maxBlockSize))
	}
	d.block = d.block[:size]
	if err := d.e.readFull(d.block, "a block"); err != nil {
		return err
	}
	frames, why := splitLaces(d.block, h.lacing(), d.laces[:0])
	if why != "" {
		return malformed("block at offset %d: %s", el.off, why)
	}
	d.frames, d.next = frames, 0
	d.cur.timestamp = d.clusterTS + int64(h.timestamp)
	return nil
}
