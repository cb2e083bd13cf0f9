public enum HTTPTypesPlaceholder {}
