internal import CPQ
