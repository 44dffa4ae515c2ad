// Wrappers for libopus variadic ctl calls (one per setting used).
#ifndef PARLEY_COPUS_SHIM_H
#define PARLEY_COPUS_SHIM_H
#include <opus/opus.h>
static inline int parley_opus_set_bitrate(OpusEncoder *e, opus_int32 bps) { return opus_encoder_ctl(e, OPUS_SET_BITRATE(bps)); }
static inline int parley_opus_set_inband_fec(OpusEncoder *e, opus_int32 on) { return opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(on)); }
static inline int parley_opus_set_packet_loss_perc(OpusEncoder *e, opus_int32 p) { return opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(p)); }
// Added for AudioMixer (issue 5).
static inline int parley_opus_set_complexity(OpusEncoder *e, opus_int32 c) { return opus_encoder_ctl(e, OPUS_SET_COMPLEXITY(c)); }
static inline int parley_opus_set_signal_voice(OpusEncoder *e) { return opus_encoder_ctl(e, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)); }
static inline int parley_opus_encoder_reset_state(OpusEncoder *e) { return opus_encoder_ctl(e, OPUS_RESET_STATE); }
static inline int parley_opus_decoder_reset_state(OpusDecoder *d) { return opus_decoder_ctl(d, OPUS_RESET_STATE); }
#endif
