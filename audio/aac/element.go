package aac

// elementType is the id_syn_ele of a syntactic element of a
// raw_data_block (id_syn_ele, ISO/IEC 14496-3 subpart 4).
type elementType uint8

// Syntactic elements.
const (
	elemSCE elementType = iota // single_channel_element
	elemCPE                    // channel_pair_element
	elemCCE                    // coupling_channel_element
	elemLFE                    // lfe_channel_element
	elemDSE                    // data_stream_element
	elemPCE                    // program_config_element
	elemFIL                    // fill_element
	elemEND                    // end of the raw_data_block
)

// String names the element as the specification abbreviates it.
func (t elementType) String() string {
	return [...]string{"SCE", "CPE", "CCE", "LFE", "DSE", "PCE", "FIL", "END"}[t&7]
}

// channels is the number of output channels the element carries.
func (t elementType) channels() int {
	switch t {
	case elemSCE, elemLFE:
		return 1
	case elemCPE:
		return 2
	}
	return 0
}
