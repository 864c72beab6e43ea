package mkv

// Element IDs of RFC 8794 (EBML) and RFC 9559 (Matroska) that the demuxer
// reads or recognises, with their length marker bits kept, as they appear in
// the file.
const (
	// EBML header and global elements.
	idEBML               = 0x1A45DFA3
	idEBMLVersion        = 0x4286
	idEBMLReadVersion    = 0x42F7
	idEBMLMaxIDLength    = 0x42F2
	idEBMLMaxSizeLength  = 0x42F3
	idDocType            = 0x4282
	idDocTypeVersion     = 0x4287
	idDocTypeReadVersion = 0x4285
	idVoid               = 0xEC
	idCRC32              = 0xBF

	// Top level.
	idSegment = 0x18538067

	// Children of Segment.
	idSeekHead    = 0x114D9B74
	idInfo        = 0x1549A966
	idTracks      = 0x1654AE6B
	idCluster     = 0x1F43B675
	idCues        = 0x1C53BB6B
	idAttachments = 0x1941A469
	idChapters    = 0x1043A770
	idTags        = 0x1254C367

	// SeekHead.
	idSeek         = 0x4DBB
	idSeekID       = 0x53AB
	idSeekPosition = 0x53AC

	// Info.
	idTimestampScale = 0x2AD7B1
	idDuration       = 0x4489

	// Tracks.
	idTrackEntry       = 0xAE
	idTrackNumber      = 0xD7
	idTrackType        = 0x83
	idCodecID          = 0x86
	idCodecPrivate     = 0x63A2
	idCodecDelay       = 0x56AA
	idSeekPreRoll      = 0x56BB
	idAudio            = 0xE1
	idSamplingFreq     = 0xB5
	idChannels         = 0x9F
	idContentEncodings = 0x6D80

	// Cluster.
	idTimestamp      = 0xE7
	idSilentTracks   = 0x5854
	idPosition       = 0xA7
	idPrevSize       = 0xAB
	idSimpleBlock    = 0xA3
	idBlockGroup     = 0xA0
	idEncryptedBlock = 0xAF

	// BlockGroup.
	idBlock          = 0xA1
	idDiscardPadding = 0x75A2
)

// trackTypeAudio is the TrackType of an audio track.
const trackTypeAudio = 2

// isSegmentChild reports whether id is one of the elements a Segment
// holds directly; one of them starting ends an unknown-size Cluster.
func isSegmentChild(id uint32) bool {
	switch id {
	case idSeekHead, idInfo, idTracks, idCluster, idCues, idAttachments, idChapters, idTags:
		return true
	}
	return false
}

// isTopLevel reports whether id is an element that only appears at the top
// level of an EBML stream; one of them ends an unknown-size Segment.
func isTopLevel(id uint32) bool {
	return id == idEBML || id == idSegment
}
