"""seatline.rtp."""
