package mp4

import "io"

// demuxer yields the access units of the sound track that are decoded, in
// order: those of the sample tables that the edit list keeps, then those
// of the movie fragments.
type demuxer struct {
	src          *source
	movie        *movie
	track        *track
	entry        sampleEntry // its esds bytes alias esdsBuf
	descriptions uint32      // entries of the track's stsd box
	tables       *tableSamples
	fragments    *fragmentSamples // nil when the movie is not fragmented
	info         tableInfo
	plan         plan
	esdsBuf      [maxESDSSize]byte
}

// openDemuxer finds the sound track of the file and reads its sample
// description.
func openDemuxer(src *source) (*demuxer, error) {
	m, err := openMovie(src)
	if err != nil {
		return nil, err
	}
	d := &demuxer{src: src, movie: m, track: m.track}
	if d.entry, d.descriptions, err = parseStsd(src, d.track.stsd, &d.esdsBuf); err != nil {
		return nil, err
	}
	return d, nil
}

// prepare reads the edit list and checks the sample tables.
func (d *demuxer) prepare() error {
	t := d.track
	var err error
	if t.elst.typ != 0 {
		if t.edit, err = parseElst(d.src, t.elst); err != nil {
			return err
		}
	}
	if d.tables, d.info, err = newTableSamples(d.src, t, d.descriptions); err != nil {
		return err
	}
	if d.plan, err = makePlan(d.src, t, d.info.count, d.movie.timescale); err != nil {
		return err
	}
	if d.movie.mvex.typ != 0 {
		d.fragments, err = newFragmentSamples(d.src, d.movie.mvex, t.id, d.descriptions)
	}
	return err
}

// nextSample returns the next access unit to decode, or io.EOF.
func (d *demuxer) nextSample() (sample, error) {
	for d.tables.index < d.tables.count {
		i := d.tables.index
		if i > d.plan.last {
			d.tables.index = d.tables.count // the edit ends here
			break
		}
		s, err := d.tables.next()
		if err != nil {
			return s, err
		}
		if i >= d.plan.first {
			return s, nil
		}
	}
	if d.fragments == nil {
		return sample{}, io.EOF
	}
	return d.fragments.next()
}
