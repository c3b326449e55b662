// KontaktCore
