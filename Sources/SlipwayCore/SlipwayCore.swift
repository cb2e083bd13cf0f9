public enum SlipwayCorePlaceholder {}
