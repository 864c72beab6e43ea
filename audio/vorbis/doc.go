// Package vorbis decodes Vorbis I audio packets (the Xiph.Org Vorbis I
// specification), as carried in Ogg, Matroska/WebM or MP4.
//
// A Decoder is made from the stream's three header packets and then turns
// each audio packet into the planar float32 samples it completes, by
// inverse MDCT and overlap-add. The container finds the packets and trims
// the stream's start and end by its granule positions.
//
// Setup errors and undecodable streams wrap pcm.ErrMalformed; features or
// sizes beyond what the decoder accepts wrap pcm.ErrUnsupported. Audio
// packets are decoded as the specification says: a packet that ends early
// is not an error, its missing values are zero.
package vorbis
